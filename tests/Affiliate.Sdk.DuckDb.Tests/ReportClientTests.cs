using System.Globalization;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.Reports;

namespace Affiliate.Sdk.DuckDb.Tests;

public sealed class ReportClientTests
{
    private static async Task<(Workspace Workspace, DuckDbReportClient Client)> LoadAsync(IReadOnlyCollection<TrackingEvent> events)
    {
        var workspace = new Workspace();
        using (var engine = workspace.CreateEngine(AffiliateGenerators.Catalog, AffiliateGenerators.CreateMedallionOptions()))
        {
            await workspace.WriteBronzeAsync(events);
            await engine.RunAsync(CancellationToken.None);
        }

        return (workspace, workspace.CreateReportClient());
    }

    private static TrackingEvent Click(DateTimeOffset at, string affiliate, string? sub1 = null, string offer = "o1", bool bot = false, string? ip = "ip") => new()
    {
        EventId = Guid.CreateVersion7(), Kind = EventKind.Click, OccurredAt = at, ReceivedAt = at, ClickId = Guid.NewGuid().ToString("N"),
        OfferId = offer, AffiliateId = affiliate, Sub1 = sub1, IpHash = ip, IsBot = bot,
    };

    private static TrackingEvent Impression(DateTimeOffset at, string affiliate) => new()
    {
        EventId = Guid.CreateVersion7(), Kind = EventKind.Impression, OccurredAt = at, ReceivedAt = at, OfferId = "o1", AffiliateId = affiliate,
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
}
