using System.Globalization;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.Medallion;
using Affiliate.Sdk.Reports;

namespace Affiliate.Sdk.DuckDb.Tests;

/// <summary>Computes a report's expected answer directly from the reference model's gold, without SQL.</summary>
public static class ReportExpectations
{
    public static (List<ReportRow> Rows, Dictionary<ReportMetric, decimal> Totals) Expected(IReadOnlyCollection<TrackingEvent> events, ReportQuery query)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(query.TimeZone);
        var utc = zone.BaseUtcOffset == TimeSpan.Zero && !zone.SupportsDaylightSavingTime;

        // Documented rule: UTC day/month/total reports read daily gold; other zones and hour grain read hourly gold,
        // each UTC hour bucket counted in the local period holding its start.
        var grain = utc && query.Grain != ReportGrain.Hour ? GoldGrain.Day : GoldGrain.Hour;
        var (_, gold) = MedallionReference.Compute(events, MedallionGenerators.Catalog, MedallionGenerators.Options, grain);

        var groups = new Dictionary<string, (string? Period, Dictionary<ReportDimension, string?> Dims, GoldMetrics Metrics)>(StringComparer.Ordinal);
        var total = GoldMetrics.Zero;
        var any = false;
        foreach (var (key, metrics) in gold)
        {
            var local = TimeZoneInfo.ConvertTime(key.Period, zone);
            var date = DateOnly.FromDateTime(local.DateTime);
            if (date < query.From || date > query.To)
            {
                continue;
            }

            if (query.Filters.Any(f => !f.Value.Contains(Value(key, f.Key))))
            {
                continue;
            }

            string? period = query.Grain switch
            {
                ReportGrain.Hour => local.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture),
                ReportGrain.Day => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                ReportGrain.Month => date.ToString("yyyy-MM", CultureInfo.InvariantCulture),
                _ => null,
            };
            var dims = query.GroupBy.ToDictionary(d => d, d => Value(key, d));
            var groupKey = period + "\u0001" + string.Join("\u0001", query.GroupBy.Select(d => dims[d] is { } v ? "v" + v : "null"));
            groups[groupKey] = groups.TryGetValue(groupKey, out var g) ? (g.Period, g.Dims, g.Metrics.Add(metrics)) : (period, dims, metrics);
            total = total.Add(metrics);
            any = true;
        }

        var metricsAsked = query.Metrics.Count == 0 ? ReportNames.AllMetrics : query.Metrics;
        var rows = groups.Values.Select(g => new ReportRow(g.Period, g.Dims, Metrics(g.Metrics, metricsAsked))).ToList();
        var totals = Metrics(any ? total : GoldMetrics.Zero, metricsAsked);
        return (rows, totals);
    }

    public static Dictionary<ReportMetric, decimal> Metrics(GoldMetrics m, IEnumerable<ReportMetric> asked)
    {
        static decimal Ratio(decimal numerator, long denominator) =>
            denominator == 0 ? 0m : Math.Round(numerator / denominator, 6, MidpointRounding.AwayFromZero);

        var all = new Dictionary<ReportMetric, decimal>
        {
            [ReportMetric.Impressions] = m.Impressions,
            [ReportMetric.Clicks] = m.Clicks,
            [ReportMetric.UniqueClicks] = m.UniqueClicks,
            [ReportMetric.BotClicks] = m.BotClicks,
            [ReportMetric.Conversions] = m.Conversions,
            [ReportMetric.PendingConversions] = m.PendingConversions,
            [ReportMetric.RejectedConversions] = m.RejectedConversions,
            [ReportMetric.Revenue] = m.Revenue,
            [ReportMetric.Payout] = m.Payout,
            [ReportMetric.Profit] = m.Revenue - m.Payout,
            [ReportMetric.ConversionRate] = Ratio(m.Conversions, m.Clicks),
            [ReportMetric.EarningsPerClick] = Ratio(m.Payout, m.Clicks),
            [ReportMetric.ClickThroughRate] = Ratio(m.Clicks, m.Impressions),
        };
        return asked.Distinct().ToDictionary(a => a, a => all[a]);
    }

    public static string Describe(ReportRow row) =>
        row.Period + " | " + string.Join(",", row.Dimensions.OrderBy(d => d.Key).Select(d => $"{d.Key}={d.Value ?? "∅"}"))
        + " | " + string.Join(",", row.Metrics.OrderBy(m => m.Key).Select(m => $"{ReportNames.Of(m.Key)}={m.Value.ToString("0.##########", CultureInfo.InvariantCulture)}"));

    public static string? Value(GoldKey key, ReportDimension dimension) => dimension switch
    {
        ReportDimension.Affiliate => key.AffiliateId,
        ReportDimension.Offer => key.OfferId,
        ReportDimension.Campaign => key.CampaignId,
        ReportDimension.Sub1 => key.Sub1,
        ReportDimension.Sub2 => key.Sub2,
        ReportDimension.Sub3 => key.Sub3,
        ReportDimension.Sub4 => key.Sub4,
        ReportDimension.Sub5 => key.Sub5,
        _ => key.Country,
    };
}
