using System.Globalization;
using Affiliate.Sdk.Reports;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Affiliate.Sdk.Postgres.Tests;

/// <summary>
/// The PostgreSQL client against the DuckDB client on the same events: the DuckDB engine's gold and the in-process
/// engine's gold Parquet (loaded into PostgreSQL) are the same, so every report must be the same, row for row, in order.
/// The report client contract itself (reference answers, SQL-looking filters, invalid queries) is checked by
/// <see cref="PostgresReportClientConformanceTests"/>; this adds agreement with DuckDB on engine-written gold, with country
/// and sub2 groupings, more filters and zones than the suite's queries.
/// </summary>
[Collection(PostgresServerGroup.Name)]
public sealed class DifferentialTests(PostgresServer server)
{
    private static readonly string[] Zones = ["UTC", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Lord_Howe", "Europe/Berlin", "Pacific/Chatham"];

    private static readonly string[] SortColumns = ["period", "affiliate", "offer", "sub1", "country", "campaign", .. ReportNames.AllMetrics.Select(ReportNames.Of)];

    private static Gen<Dictionary<ReportDimension, IReadOnlyList<string>>> Filters =>
        from affiliates in Gen.Frequency((3, Gen.Constant<string[]?>(null)), (1, Gen.NonEmptyListOf(Gen.Elements("a1", "a'4", "zz")).Select(l => (string[]?)l.ToArray())))
        from offers in Gen.Frequency((4, Gen.Constant<string[]?>(null)), (1, Gen.NonEmptyListOf(Gen.Elements("o1", "o2", "o-unknown")).Select(l => (string[]?)l.ToArray())))
        from subs in Gen.Frequency((5, Gen.Constant<string[]?>(null)), (1, Gen.NonEmptyListOf(Gen.Elements("s1", "s'3; DROP TABLE gold_daily; --", "x")).Select(l => (string[]?)l.ToArray())))
        select new[] { (ReportDimension.Affiliate, affiliates), (ReportDimension.Offer, offers), (ReportDimension.Sub1, subs) }
            .Where(f => f.Item2 is not null)
            .ToDictionary(f => f.Item1, f => (IReadOnlyList<string>)f.Item2!);

    private static Gen<ReportQuery> Query =>
        from fromDay in Gen.Choose(3, 8)
        from days in Gen.Choose(0, 5)
        from zone in Gen.Elements(Zones)
        from grain in Gen.Elements(ReportGrain.Total, ReportGrain.Hour, ReportGrain.Day, ReportGrain.Month)
        from groupBy in Gen.Shuffle(new[] { ReportDimension.Affiliate, ReportDimension.Offer, ReportDimension.Sub1, ReportDimension.Country, ReportDimension.Campaign, ReportDimension.Sub2 })
            .SelectMany(all => Gen.Choose(0, 3).Select(n => all.Take(n).ToArray()))
        from filters in Filters
        from metrics in Gen.Frequency((1, Gen.Constant(Array.Empty<ReportMetric>())), (2, Gen.SubListOf(ReportNames.AllMetrics.ToArray()).Select(l => l.ToArray())))
        from sorts in Gen.ListOf(Gen.Elements(SortColumns).SelectMany(c => Gen.Elements(true, false).Select(d => new ReportSort(c, d))))
        from limit in Gen.Frequency((2, Gen.Constant(ReportQuery.MaxLimit)), (1, Gen.Choose(1, 12)))
        select new ReportQuery
        {
            From = new DateOnly(2026, 3, fromDay),
            To = new DateOnly(2026, 3, fromDay + days),
            TimeZone = zone,
            Grain = grain,
            GroupBy = groupBy,
            Filters = filters,
            Metrics = metrics,
            // Only valid sort keys: grouped dimensions, metrics, and the period when there is one.
            OrderBy = [.. sorts
                .Where(s => s.Column == "period" ? grain != ReportGrain.Total
                    : !ReportNames.TryParseDimension(s.Column, out var d) || groupBy.Contains(d))
                .DistinctBy(s => s.Column)
                .Take(3)],
            Limit = limit,
        };

    private static string Describe(ReportResult result) =>
        string.Join("\n", result.Rows.Select(ReportReference.Describe))
        + "\ntotals: " + string.Join(",", result.Totals.OrderBy(m => m.Key).Select(m => $"{ReportNames.Of(m.Key)}={m.Value.ToString("0.##########", CultureInfo.InvariantCulture)}"))
        + "\nfreshness: " + result.Freshness?.ToString("O", CultureInfo.InvariantCulture);

    [Property(MaxTest = 25)]
    public Property PostgreSQL_answers_every_query_exactly_as_DuckDB_on_the_same_gold() =>
        Prop.ForAll(AffiliateGenerators.EventSet.ToArbitrary(), Gen.ArrayOf(Query, 8).ToArbitrary(), (events, queries) =>
        {
            using var lake = new Lake();
            lake.AddAsync(events).GetAwaiter().GetResult();
            using (var engine = lake.CreateDuckDbEngine())
            {
                engine.RunAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
            }

            var schema = PostgresServer.NewSchema();
            lake.CreateLoader(server, schema).LoadChangedAsync(CancellationToken.None).GetAwaiter().GetResult();
            using var duckDb = lake.CreateDuckDbReportClient();
            var postgres = Pg.Client(server, schema);
            foreach (var query in queries)
            {
                var expected = duckDb.QueryAsync(query, CancellationToken.None).AsTask().GetAwaiter().GetResult();
                var actual = postgres.QueryAsync(query, CancellationToken.None).AsTask().GetAwaiter().GetResult();
                Assert.Equal(Describe(expected), Describe(actual));
            }
        });
}
