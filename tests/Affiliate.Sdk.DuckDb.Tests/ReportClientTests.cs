using System.Globalization;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.Reports;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Affiliate.Sdk.DuckDb.Tests;

public sealed class ReportClientTests
{
    private static readonly string[] Zones = ["UTC", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Lord_Howe", "Europe/Berlin"];

    private static Gen<ReportQuery> Query =>
        from fromDay in Gen.Choose(3, 8)
        from days in Gen.Choose(0, 4)
        from zone in Gen.Elements(Zones)
        from grain in Gen.Elements(ReportGrain.Total, ReportGrain.Hour, ReportGrain.Day, ReportGrain.Month)
        from groupBy in Gen.SubListOf(new[] { ReportDimension.Affiliate, ReportDimension.Offer, ReportDimension.Sub1, ReportDimension.Country, ReportDimension.Campaign })
        from filterAffiliates in Gen.Frequency((3, Gen.Constant<string[]?>(null)), (1, Gen.SubListOf(new[] { "a1", "a'4", "zz" }).Select(l => (string[]?)l.ToArray())))
        from metrics in Gen.Frequency((1, Gen.Constant(Array.Empty<ReportMetric>())), (2, Gen.SubListOf(ReportNames.AllMetrics.ToArray()).Select(l => l.ToArray())))
        select new ReportQuery
        {
            From = new DateOnly(2026, 3, fromDay),
            To = new DateOnly(2026, 3, fromDay + days),
            TimeZone = zone,
            Grain = grain,
            GroupBy = [.. groupBy],
            Filters = filterAffiliates is { Length: > 0 } f
                ? new Dictionary<ReportDimension, IReadOnlyList<string>> { [ReportDimension.Affiliate] = f }
                : new Dictionary<ReportDimension, IReadOnlyList<string>>(),
            Metrics = [.. metrics],
            Limit = ReportQuery.MaxLimit,
        };

    private static async Task<(Workspace Workspace, DuckDbReportClient Client)> LoadAsync(IReadOnlyCollection<TrackingEvent> events)
    {
        var workspace = new Workspace();
        using (var engine = workspace.CreateEngine(MedallionGenerators.Catalog, MedallionGenerators.Options))
        {
            await workspace.WriteBronzeAsync(events);
            await engine.RunAsync(CancellationToken.None);
        }

        return (workspace, workspace.CreateReportClient());
    }

    private static void AssertSameRows(IEnumerable<ReportRow> expected, IEnumerable<ReportRow> actual)
    {
        var e = expected.Select(ReportExpectations.Describe).Order(StringComparer.Ordinal).ToList();
        var a = actual.Select(ReportExpectations.Describe).Order(StringComparer.Ordinal).ToList();
        Assert.True(
            e.SequenceEqual(a),
            "missing: " + string.Join(" || ", e.Except(a)) + "\nunexpected: " + string.Join(" || ", a.Except(e)));
    }

    private static string Describe(IReadOnlyDictionary<ReportMetric, decimal> metrics) =>
        string.Join(",", metrics.OrderBy(m => m.Key).Select(m => $"{ReportNames.Of(m.Key)}={m.Value.ToString("0.##########", CultureInfo.InvariantCulture)}"));

    [Property(MaxTest = 40)]
    public Property Rows_and_totals_equal_sums_of_reference_gold_in_the_query_time_zone() =>
        Prop.ForAll(MedallionGenerators.EventSet.ToArbitrary(), Query.ToArbitrary(), (events, query) =>
        {
            var (workspace, client) = LoadAsync(events).GetAwaiter().GetResult();
            using (workspace)
            using (client)
            {
                var result = client.QueryAsync(query, CancellationToken.None).AsTask().GetAwaiter().GetResult();
                var (rows, totals) = ReportExpectations.Expected(events, query);

                AssertSameRows(rows, result.Rows);
                Assert.Equal(Describe(totals), Describe(result.Totals));
            }
        });

    private static TrackingEvent Click(DateTimeOffset at, string affiliate, string? sub1 = null, string offer = "o1", bool bot = false, string? ip = "ip") => new()
    {
        EventId = Guid.CreateVersion7(), Kind = EventKind.Click, OccurredAt = at, ReceivedAt = at, ClickId = Guid.NewGuid().ToString("N"),
        OfferId = offer, AffiliateId = affiliate, Sub1 = sub1, IpHash = ip, IsBot = bot,
    };

    private static TrackingEvent Impression(DateTimeOffset at, string affiliate) => new()
    {
        EventId = Guid.CreateVersion7(), Kind = EventKind.Impression, OccurredAt = at, ReceivedAt = at, OfferId = "o1", AffiliateId = affiliate,
    };

    private static TrackingEvent ConversionOf(TrackingEvent click, TimeSpan after, ConversionStatus status = ConversionStatus.Approved) => new()
    {
        EventId = Guid.CreateVersion7(), Kind = EventKind.Conversion, OccurredAt = click.OccurredAt + after, ReceivedAt = click.OccurredAt + after,
        ClickId = click.ClickId, TransactionId = Guid.NewGuid().ToString("N"), Status = status,
    };

    [Fact]
    public async Task Hour_buckets_follow_daylight_saving_and_half_hour_zones()
    {
        // 2026-11-01 06:00Z and 05:00Z are both 01:00 in New York (clocks go back at 06:00Z).
        var fallBackFirst = new DateTimeOffset(2026, 11, 1, 5, 10, 0, TimeSpan.Zero);
        var fallBackSecond = new DateTimeOffset(2026, 11, 1, 6, 10, 0, TimeSpan.Zero);

        // Kolkata is UTC+05:30: the 18:00Z bucket starts at 23:30 local (the 1st), the 19:00Z bucket at 00:30 (the 2nd).
        var kolkataLate = new DateTimeOffset(2026, 11, 1, 18, 40, 0, TimeSpan.Zero);
        var kolkataNext = new DateTimeOffset(2026, 11, 1, 19, 5, 0, TimeSpan.Zero);
        var (workspace, client) = await LoadAsync([Click(fallBackFirst, "a1"), Click(fallBackSecond, "a1"), Click(kolkataLate, "a2"), Click(kolkataNext, "a2")]);
        using (workspace)
        using (client)
        {
            var ny = await client.QueryAsync(
                new ReportQuery { From = new(2026, 11, 1), To = new(2026, 11, 1), TimeZone = "America/New_York", Grain = ReportGrain.Hour, Metrics = [ReportMetric.Clicks] },
                CancellationToken.None);
            var kolkata = await client.QueryAsync(
                new ReportQuery { From = new(2026, 11, 1), To = new(2026, 11, 2), TimeZone = "Asia/Kolkata", Grain = ReportGrain.Day, Metrics = [ReportMetric.Clicks] },
                CancellationToken.None);

            Assert.Equal(["2026-11-01T01:00:00-04:00", "2026-11-01T01:00:00-05:00", "2026-11-01T13:00:00-05:00", "2026-11-01T14:00:00-05:00"], ny.Rows.Select(r => r.Period));
            Assert.Equal(
                ["2026-11-01:3", "2026-11-02:1"],
                kolkata.Rows.Select(r => r.Period + ":" + r.Metrics[ReportMetric.Clicks].ToString(CultureInfo.InvariantCulture)));
        }
    }

    [Fact]
    public async Task Order_limit_and_totals_over_every_matching_row()
    {
        var at = new DateTimeOffset(2026, 3, 5, 10, 0, 0, TimeSpan.Zero);
        var events = new List<TrackingEvent>();
        foreach (var (affiliate, clicks) in new[] { ("a1", 3), ("a2", 5), ("a3", 1), ("a4", 4) })
        {
            for (var i = 0; i < clicks; i++)
            {
                events.Add(Click(at.AddMinutes(i), affiliate, ip: "ip" + i));
            }

            events.Add(Impression(at, affiliate));
        }

        events.Add(ConversionOf(events[0], TimeSpan.FromHours(1)));
        var (workspace, client) = await LoadAsync(events);
        using (workspace)
        using (client)
        {
            var result = await client.QueryAsync(
                new ReportQuery
                {
                    From = new(2026, 3, 1), To = new(2026, 3, 31), Grain = ReportGrain.Total, GroupBy = [ReportDimension.Affiliate],
                    OrderBy = [new ReportSort("clicks", Descending: true)], Limit = 2,
                },
                CancellationToken.None);

            Assert.Equal(["a2", "a4"], result.Rows.Select(r => r.Dimensions[ReportDimension.Affiliate]));
            Assert.Equal(13m, result.Totals[ReportMetric.Clicks]);
            Assert.Equal(4m, result.Totals[ReportMetric.Impressions]);
            Assert.Equal(10m, result.Totals[ReportMetric.Revenue]);
            Assert.Equal(2.5m, result.Totals[ReportMetric.Profit]);
            Assert.Equal(0.076923m, result.Totals[ReportMetric.ConversionRate]); // 1/13 = 0.0769230…
            Assert.Equal(0.576923m, result.Totals[ReportMetric.EarningsPerClick]); // 7.5/13 = 0.5769230…
            Assert.Equal(3.25m, result.Totals[ReportMetric.ClickThroughRate]);
            Assert.Equal(new DateTimeOffset(2026, 3, 5, 11, 0, 0, TimeSpan.Zero), result.Freshness);
        }
    }

    [Fact]
    public async Task Ratios_are_zero_when_their_denominator_is_zero()
    {
        var at = new DateTimeOffset(2026, 3, 5, 10, 0, 0, TimeSpan.Zero);
        var (workspace, client) = await LoadAsync([Impression(at, "only-impressions"), Click(at, "only-clicks")]);
        using (workspace)
        using (client)
        {
            var result = await client.QueryAsync(
                new ReportQuery { From = new(2026, 3, 5), To = new(2026, 3, 5), Grain = ReportGrain.Total, GroupBy = [ReportDimension.Affiliate] },
                CancellationToken.None);

            var impressionsOnly = result.Rows.Single(r => r.Dimensions[ReportDimension.Affiliate] == "only-impressions").Metrics;
            var clicksOnly = result.Rows.Single(r => r.Dimensions[ReportDimension.Affiliate] == "only-clicks").Metrics;
            Assert.Equal(0m, impressionsOnly[ReportMetric.ConversionRate]);
            Assert.Equal(0m, impressionsOnly[ReportMetric.EarningsPerClick]);
            Assert.Equal(0m, impressionsOnly[ReportMetric.ClickThroughRate]);
            Assert.Equal(0m, clicksOnly[ReportMetric.ClickThroughRate]);
            Assert.Equal(0m, clicksOnly[ReportMetric.ConversionRate]);
        }
    }

    [Fact]
    public async Task Filter_values_that_look_like_sql_are_only_data()
    {
        var at = new DateTimeOffset(2026, 3, 5, 10, 0, 0, TimeSpan.Zero);
        const string Nasty = "x'); DROP TABLE gold_daily; --";
        var (workspace, client) = await LoadAsync([Click(at, "a1", sub1: Nasty), Click(at, "a1", sub1: "plain")]);
        using (workspace)
        using (client)
        {
            ReportQuery Filtered(string value) => new()
            {
                From = new(2026, 3, 5), To = new(2026, 3, 5), GroupBy = [ReportDimension.Sub1],
                Filters = new Dictionary<ReportDimension, IReadOnlyList<string>> { [ReportDimension.Sub1] = [value] },
            };

            var exact = await client.QueryAsync(Filtered(Nasty), CancellationToken.None);
            var injection = await client.QueryAsync(Filtered("' OR '1'='1"), CancellationToken.None);
            var after = await client.QueryAsync(Filtered("plain"), CancellationToken.None);

            Assert.Equal(Nasty, Assert.Single(exact.Rows).Dimensions[ReportDimension.Sub1]);
            Assert.Empty(injection.Rows);
            Assert.Equal(0m, injection.Totals[ReportMetric.Clicks]);
            Assert.Single(after.Rows);
        }
    }

    [Theory]
    [InlineData("to:")]
    [InlineData("tz:")]
    [InlineData("orderBy: unknown column 'clicks; DROP TABLE x'")]
    [InlineData("orderBy: 'sub2' is not in groupBy")]
    [InlineData("limit:")]
    public async Task Invalid_queries_are_refused_naming_the_problem(string problem)
    {
        using var workspace = new Workspace();
        using var client = workspace.CreateReportClient();
        var query = problem switch
        {
            "to:" => new ReportQuery { From = new(2026, 3, 5), To = new(2026, 3, 4) },
            "tz:" => new ReportQuery { From = new(2026, 3, 5), To = new(2026, 3, 5), TimeZone = "Mars/Olympus" },
            "limit:" => new ReportQuery { From = new(2026, 3, 5), To = new(2026, 3, 5), Limit = 0 },
            "orderBy: 'sub2' is not in groupBy" => new ReportQuery { From = new(2026, 3, 5), To = new(2026, 3, 5), OrderBy = [new ReportSort("sub2")] },
            _ => new ReportQuery { From = new(2026, 3, 5), To = new(2026, 3, 5), OrderBy = [new ReportSort("clicks; DROP TABLE x")] },
        };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => client.QueryAsync(query, CancellationToken.None).AsTask());

        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }
}
