using System.Globalization;

namespace Affiliate.Sdk.Reports;

/// <summary>
/// The nine additive sums of report rows, from which every <see cref="ReportMetric"/> follows: profit is revenue − payout,
/// ratios are 0 for a zero denominator and otherwise rounded to 6 places half away from zero (docs/reports.md).
/// </summary>
/// <param name="Impressions">Impressions.</param>
/// <param name="Clicks">Clicks that are not bots.</param>
/// <param name="UniqueClicks">Distinct visitors among clicks.</param>
/// <param name="BotClicks">Clicks flagged as bots.</param>
/// <param name="Conversions">Approved conversions.</param>
/// <param name="PendingConversions">Pending conversions.</param>
/// <param name="RejectedConversions">Rejected conversions.</param>
/// <param name="Revenue">Revenue in the report currency.</param>
/// <param name="Payout">Payout in the report currency.</param>
public readonly record struct ReportSums(
    long Impressions,
    long Clicks,
    long UniqueClicks,
    long BotClicks,
    long Conversions,
    long PendingConversions,
    long RejectedConversions,
    decimal Revenue,
    decimal Payout)
{
    /// <summary>The value of one metric.</summary>
    /// <param name="metric">The metric.</param>
    /// <returns>Its value over these sums.</returns>
    public decimal ValueOf(ReportMetric metric) => metric switch
    {
        ReportMetric.Impressions => Impressions,
        ReportMetric.Clicks => Clicks,
        ReportMetric.UniqueClicks => UniqueClicks,
        ReportMetric.BotClicks => BotClicks,
        ReportMetric.Conversions => Conversions,
        ReportMetric.PendingConversions => PendingConversions,
        ReportMetric.RejectedConversions => RejectedConversions,
        ReportMetric.Revenue => Revenue,
        ReportMetric.Payout => Payout,
        ReportMetric.Profit => Revenue - Payout,
        ReportMetric.ConversionRate => Ratio(Conversions, Clicks),
        ReportMetric.EarningsPerClick => Ratio(Payout, Clicks),
        ReportMetric.ClickThroughRate => Ratio(Clicks, Impressions),
        _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "Unknown metric."),
    };

    /// <summary>The values of some metrics.</summary>
    /// <param name="metrics">The metrics (each once).</param>
    /// <returns>Each metric's value.</returns>
    public Dictionary<ReportMetric, decimal> ValuesOf(IReadOnlyList<ReportMetric> metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var values = new Dictionary<ReportMetric, decimal>(metrics.Count);
        foreach (var metric in metrics)
        {
            values[metric] = ValueOf(metric);
        }

        return values;
    }

    /// <summary>Reads sums from the nine total columns of a report row (in the order of this record), nulls as zero.</summary>
    /// <param name="value">The value of the column at an index (0 to 8).</param>
    /// <returns>The sums.</returns>
    public static ReportSums FromColumns(Func<int, object?> value)
    {
        ArgumentNullException.ThrowIfNull(value);
        long L(int i) => value(i) is { } v and not DBNull ? decimal.ToInt64(Convert.ToDecimal(v, CultureInfo.InvariantCulture)) : 0L;
        decimal D(int i) => value(i) is { } v and not DBNull ? Convert.ToDecimal(v, CultureInfo.InvariantCulture) : 0m;
        return new(L(0), L(1), L(2), L(3), L(4), L(5), L(6), D(7), D(8));
    }

    private static decimal Ratio(decimal numerator, long denominator) =>
        denominator == 0 ? 0m : Math.Round(numerator / denominator, 6, MidpointRounding.AwayFromZero);
}
