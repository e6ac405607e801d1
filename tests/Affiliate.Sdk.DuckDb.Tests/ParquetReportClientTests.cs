using System.Globalization;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.Lake.Parquet;
using Affiliate.Sdk.Lake.Parquet.Medallion;
using Affiliate.Sdk.Reports;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Affiliate.Sdk.DuckDb.Tests;

/// <summary>
/// The Parquet report client against the DuckDB one: the same events through both engines (whose gold agrees, see
/// <see cref="EngineAgreementTests"/>), then any query answers the same rows in the same order, and the same totals.
/// The report client contract (reference answers, single invalid-query problems) is checked by the conformance suite in
/// Affiliate.Sdk.Lake.Parquet.Tests; these add cross-client agreement on wider queries (country filters, sub2, more zones),
/// every problem named at once, and partition pruning.
/// </summary>
public sealed class ParquetReportClientTests
{
    private static readonly string[] Zones = ["UTC", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Lord_Howe", "Europe/Berlin", "Etc/GMT+12"];

    private static readonly string[] Columns =
        ["period", "affiliate", "offer", "campaign", "sub1", "country", "impressions", "clicks", "unique_clicks", "conversions", "revenue", "payout", "profit", "cr", "epc", "ctr"];

    private static Gen<ReportSort> Sort =>
        from column in Gen.Elements(Columns)
        from desc in Gen.Elements(false, true)
        select new ReportSort(column, desc);

    private static Gen<ReportQuery> Query =>
        from fromDay in Gen.Choose(2, 9)
        from days in Gen.Choose(0, 5)
        from zone in Gen.Elements(Zones)
        from grain in Gen.Elements(ReportGrain.Total, ReportGrain.Hour, ReportGrain.Day, ReportGrain.Month)
        from groupBy in Gen.SubListOf(new[] { ReportDimension.Affiliate, ReportDimension.Offer, ReportDimension.Sub1, ReportDimension.Country, ReportDimension.Campaign, ReportDimension.Sub2 })
        from filterAffiliates in Gen.Frequency((3, Gen.Constant<string[]?>(null)), (1, Gen.SubListOf(new[] { "a1", "a'4", "zz" }).Select(l => (string[]?)l.ToArray())))
        from filterCountries in Gen.Frequency((4, Gen.Constant<string[]?>(null)), (1, Gen.SubListOf(new[] { "US", "IN" }).Select(l => (string[]?)l.ToArray())))
        from metrics in Gen.Frequency((1, Gen.Constant(Array.Empty<ReportMetric>())), (2, Gen.SubListOf(ReportNames.AllMetrics.ToArray()).Select(l => l.ToArray())))
        from sorts in Gen.Choose(0, 3).SelectMany(n => Gen.ArrayOf(Sort, n))
        from limit in Gen.Frequency((2, Gen.Constant(ReportQuery.MaxLimit)), (1, Gen.Choose(1, 6)))
        select new ReportQuery
        {
            From = new DateOnly(2026, 3, fromDay),
            To = new DateOnly(2026, 3, fromDay + days),
            TimeZone = zone,
            Grain = grain,
            GroupBy = [.. groupBy],
            Filters = Filters(filterAffiliates, filterCountries),
            Metrics = [.. metrics],

            // Only sort keys a query may use: period with a grain, dimensions that are grouped.
            OrderBy = [.. sorts.Where(s => s.Column == "period" ? grain != ReportGrain.Total
                : !ReportNames.TryParseDimension(s.Column, out var d) || groupBy.Contains(d))],
            Limit = limit,
        };

    private static Dictionary<ReportDimension, IReadOnlyList<string>> Filters(string[]? affiliates, string[]? countries)
    {
        var filters = new Dictionary<ReportDimension, IReadOnlyList<string>>();
        if (affiliates is { Length: > 0 })
        {
            filters[ReportDimension.Affiliate] = affiliates;
        }

        if (countries is { Length: > 0 })
        {
            filters[ReportDimension.Country] = countries;
        }

        return filters;
    }

    private static string Describe(IReadOnlyDictionary<ReportMetric, decimal> metrics) =>
        string.Join(",", metrics.OrderBy(m => m.Key).Select(m => $"{ReportNames.Of(m.Key)}={m.Value.ToString("0.##########", CultureInfo.InvariantCulture)}"));

    [Property(MaxTest = 30)]
    public Property Parquet_and_DuckDb_report_clients_answer_every_query_alike() =>
        Prop.ForAll(AffiliateGenerators.EventSet.ToArbitrary(), Gen.ArrayOf(Query, 4).ToArbitrary(), (events, queries) =>
        {
            using var workspace = new Workspace();
            var lake = new LocalDiskBlobStore(workspace.Options.LakeRoot);
            workspace.WriteBronzeAsync(events).GetAwaiter().GetResult();
            using (var duckDbEngine = workspace.CreateEngine(AffiliateGenerators.Catalog, AffiliateGenerators.CreateMedallionOptions()))
            {
                duckDbEngine.RunAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
            }

            new InProcessMedallionEngine(lake, AffiliateGenerators.Catalog, AffiliateGenerators.CreateMedallionOptions()).RunAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
            using var duckDb = workspace.CreateReportClient();
            var parquet = new ParquetReportClient(lake);
            foreach (var query in queries)
            {
                var expected = duckDb.QueryAsync(query, CancellationToken.None).AsTask().GetAwaiter().GetResult();
                var actual = parquet.QueryAsync(query, CancellationToken.None).AsTask().GetAwaiter().GetResult();

                // Rows in order: the sort keys, then period and dimensions break ties, so the order is fully determined.
                Assert.Equal(expected.Rows.Select(ReportReference.Describe), actual.Rows.Select(ReportReference.Describe));
                Assert.Equal(Describe(expected.Totals), Describe(actual.Totals));
                Assert.Equal(expected.Freshness is null, actual.Freshness is null);
            }
        });

    [Fact]
    public async Task Every_problem_of_an_invalid_query_is_named_at_once()
    {
        using var workspace = new Workspace();
        var parquet = new ParquetReportClient(new LocalDiskBlobStore(workspace.Options.LakeRoot));

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => parquet.QueryAsync(
            new ReportQuery { From = new(2026, 3, 9), To = new(2026, 3, 1), TimeZone = "Mars/Olympus", OrderBy = [new("sub3")] },
            CancellationToken.None).AsTask());

        Assert.Contains("to: must not be before from", ex.Message, StringComparison.Ordinal);
        Assert.Contains("tz: unknown time zone 'Mars/Olympus'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("orderBy: 'sub3' is not in groupBy", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_the_gold_partitions_of_the_range_are_read()
    {
        using var workspace = new Workspace();
        var lake = new LocalDiskBlobStore(workspace.Options.LakeRoot);
        var at = AffiliateGenerators.Base;
        TrackingEvent[] clicks = [.. Enumerable.Range(0, 3).Select(d => new TrackingEvent
        {
            EventId = Guid.NewGuid(), Kind = EventKind.Click, OccurredAt = at.AddDays(d), ReceivedAt = at.AddDays(d), ClickId = "c" + d, OfferId = "o1", AffiliateId = "a1",
        })];
        await workspace.WriteBronzeAsync(clicks);
        await new InProcessMedallionEngine(lake, AffiliateGenerators.Catalog, AffiliateGenerators.CreateMedallionOptions()).RunAsync(CancellationToken.None);

        // A corrupt gold file outside the range is never opened.
        var outside = Path.Combine(workspace.Options.LakeRoot, "gold", "daily", $"dt={at.AddDays(2):yyyy-MM-dd}");
        foreach (var file in Directory.GetFiles(outside))
        {
            await File.WriteAllTextAsync(file, "not parquet");
        }

        var day = DateOnly.FromDateTime(at.UtcDateTime);
        var result = await new ParquetReportClient(lake).QueryAsync(new ReportQuery { From = day, To = day.AddDays(1), Grain = ReportGrain.Total }, CancellationToken.None);

        Assert.Equal(2m, result.Totals[ReportMetric.Clicks]);
        Assert.Equal(clicks[2].OccurredAt, result.Freshness);
        await Assert.ThrowsAsync<AffiliateSdkException>(() => new ParquetReportClient(lake)
            .QueryAsync(new ReportQuery { From = day, To = day.AddDays(2) }, CancellationToken.None).AsTask());
    }
}
