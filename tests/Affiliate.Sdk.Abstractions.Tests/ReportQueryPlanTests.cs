using Affiliate.Sdk.Reports;

namespace Affiliate.Sdk.Abstractions.Tests;

public sealed class ReportQueryPlanTests
{
    private static ReportQuery Query(string zone = "UTC", ReportGrain grain = ReportGrain.Day) => new()
    {
        From = new DateOnly(2026, 3, 28),
        To = new DateOnly(2026, 3, 30),
        TimeZone = zone,
        Grain = grain,
    };

    [Fact]
    public void Invalid_query_is_refused_with_every_problem_in_one_message()
    {
        var query = Query(grain: ReportGrain.Total) with
        {
            OrderBy = [new ReportSort("period"), new ReportSort("offer")],
            Filters = new Dictionary<ReportDimension, IReadOnlyList<string>> { [ReportDimension.Country] = ["US", null!] },
        };

        var ex = Assert.Throws<ArgumentException>(() => ReportQueryPlan.Create(query));

        Assert.Equal("query", ex.ParamName);
        Assert.StartsWith(
            "Invalid report query: filter.country: values must not be null; orderBy: 'period' needs a grain other than total; orderBy: 'offer' is not in groupBy",
            ex.Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Sort_keys_end_with_period_then_grouped_dimensions_ascending()
    {
        var plan = ReportQueryPlan.Create(Query() with
        {
            GroupBy = [ReportDimension.Offer, ReportDimension.Affiliate],
            OrderBy = [new ReportSort("CR", Descending: true), new ReportSort("affiliate")],
        });

        Assert.Equal(
            [
                new ReportSortKey("cr", true, null, ReportMetric.ConversionRate),
                new ReportSortKey("affiliate", false, ReportDimension.Affiliate, null),
                new ReportSortKey("period", false, null, null),
                new ReportSortKey("offer", false, ReportDimension.Offer, null),
                new ReportSortKey("affiliate", false, ReportDimension.Affiliate, null),
            ],
            plan.SortKeys);
    }

    [Fact]
    public void Utc_days_read_daily_gold_and_other_zones_read_hourly_gold()
    {
        Assert.False(ReportQueryPlan.Create(Query()).ReadsHourlyGold);
        Assert.True(ReportQueryPlan.Create(Query(grain: ReportGrain.Hour)).ReadsHourlyGold);
        Assert.True(ReportQueryPlan.Create(Query("Europe/Berlin")).ReadsHourlyGold);
    }

    [Fact]
    public void Offset_segments_change_at_the_daylight_saving_switch()
    {
        // Berlin moves from +01:00 to +02:00 at 2026-03-29T01:00Z.
        var plan = ReportQueryPlan.Create(Query("Europe/Berlin"));

        Assert.Equal(new DateTimeOffset(2026, 3, 27, 23, 0, 0, TimeSpan.Zero), plan.Start);
        Assert.Equal(new DateTimeOffset(2026, 3, 30, 22, 0, 0, TimeSpan.Zero), plan.End);
        Assert.Equal(
            [
                new ReportOffsetSegment(plan.Start, TimeSpan.FromHours(1)),
                new ReportOffsetSegment(new DateTimeOffset(2026, 3, 29, 1, 0, 0, TimeSpan.Zero), TimeSpan.FromHours(2)),
            ],
            plan.OffsetSegments);
        Assert.Equal("2026-03-29T03:00:00+02:00", plan.FormatHour(new DateTimeOffset(2026, 3, 29, 1, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void Ratios_are_zero_on_a_zero_denominator_and_round_half_away_from_zero()
    {
        var sums = new ReportSums(0, 3, 0, 0, 2, 0, 0, 10m, 1m);

        Assert.Equal(0.666667m, sums.ValueOf(ReportMetric.ConversionRate));
        Assert.Equal(0m, sums.ValueOf(ReportMetric.ClickThroughRate));
        Assert.Equal(9m, sums.ValueOf(ReportMetric.Profit));
    }
}
