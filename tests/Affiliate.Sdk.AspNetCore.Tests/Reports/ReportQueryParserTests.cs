using Affiliate.Sdk.AspNetCore.Reports;
using Affiliate.Sdk.Reports;
using Microsoft.AspNetCore.Http;

namespace Affiliate.Sdk.AspNetCore.Tests.Reports;

public sealed class ReportQueryParserTests
{
    private static (ReportQuery? Query, List<string> Errors) Parse(string queryString)
    {
        var parsed = QueryString.FromUriComponent(queryString);
        var collection = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(parsed.Value);
        var ok = ReportQueryParser.TryParse(collection, out var query, out var errors);
        Assert.Equal(ok, query is not null);
        return (query, errors);
    }

    [Fact]
    public void Every_part_of_the_contract_is_read()
    {
        var (query, errors) = Parse("?from=2026-11-01&to=2026-11-30&tz=Europe/Berlin&grain=month&groupBy=affiliate,offer,sub1"
            + "&metrics=clicks,cr,revenue&filter.affiliate=42,43&filter.country=DE&orderBy=-revenue,affiliate&limit=25");

        Assert.Empty(errors);
        Assert.NotNull(query);
        Assert.Equal(new DateOnly(2026, 11, 1), query.From);
        Assert.Equal(new DateOnly(2026, 11, 30), query.To);
        Assert.Equal("Europe/Berlin", query.TimeZone);
        Assert.Equal(ReportGrain.Month, query.Grain);
        Assert.Equal([ReportDimension.Affiliate, ReportDimension.Offer, ReportDimension.Sub1], query.GroupBy);
        Assert.Equal([ReportMetric.Clicks, ReportMetric.ConversionRate, ReportMetric.Revenue], query.Metrics);
        Assert.Equal(["42", "43"], query.Filters[ReportDimension.Affiliate]);
        Assert.Equal(["DE"], query.Filters[ReportDimension.Country]);
        Assert.Equal([new ReportSort("revenue", true), new ReportSort("affiliate", false)], query.OrderBy);
        Assert.Equal(25, query.Limit);
    }

    [Fact]
    public void Defaults_are_utc_daily_all_metrics()
    {
        var (query, errors) = Parse("?from=2026-11-01&to=2026-11-02");

        Assert.Empty(errors);
        Assert.Equal("UTC", query!.TimeZone);
        Assert.Equal(ReportGrain.Day, query.Grain);
        Assert.Empty(query.Metrics);
    }

    [Theory]
    [InlineData("?to=2026-11-02", "from: required")]
    [InlineData("?from=2026-13-01&to=2026-11-02", "from: '2026-13-01' is not a date")]
    [InlineData("?from=2026-11-03&to=2026-11-02", "to: must not be before from")]
    [InlineData("?from=2026-11-01&to=2026-11-02&grain=week", "grain: 'week' is not one of")]
    [InlineData("?from=2026-11-01&to=2026-11-02&groupBy=advertiser", "groupBy: 'advertiser' is not a dimension")]
    [InlineData("?from=2026-11-01&to=2026-11-02&metrics=roi", "metrics: 'roi' is not a metric")]
    [InlineData("?from=2026-11-01&to=2026-11-02&filter.colour=red", "filter.colour: 'colour' is not a dimension")]
    [InlineData("?from=2026-11-01&to=2026-11-02&orderBy=1;drop table gold", "orderBy: unknown column")]
    [InlineData("?from=2026-11-01&to=2026-11-02&limit=-5", "limit: '-5' is not a whole number")]
    [InlineData("?from=2026-11-01&to=2026-11-02&tz=Mars/Olympus", "tz: unknown time zone 'Mars/Olympus'")]
    [InlineData("?from=2026-11-01&to=2026-11-02&colour=red", "colour: unknown parameter")]
    public void Bad_parameters_are_named(string queryString, string expected)
    {
        var (query, errors) = Parse(queryString);

        Assert.Null(query);
        Assert.Contains(errors, e => e.Contains(expected, StringComparison.Ordinal));
    }
}
