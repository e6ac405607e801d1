using System.Globalization;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.Medallion;
using Affiliate.Sdk.Offers;
using Affiliate.Sdk.Reports;

namespace Affiliate.Sdk.Testing;

/// <summary>
/// The reference answer to a <see cref="ReportQuery"/>, computed in memory from gold without SQL, following docs/reports.md:
/// UTC day, month and total reports read daily gold, every other query reads hourly gold placed in the local period that
/// holds each bucket's start; ratios come from summed counts, rounded to 6 places; sort keys put nulls first ascending and
/// last descending, ties broken by period, then the grouped dimensions ascending; totals are over every matching row.
/// Text compares ordinally (UTF-16), which equals the databases' byte order for the ASCII values the generators use.
/// </summary>
public static class ReportReference
{
    /// <summary>Answers a query from a set of events, computing gold with <see cref="MedallionReference"/>.</summary>
    /// <param name="query">The query; invalid ones throw <see cref="ArgumentException"/>.</param>
    /// <param name="events">Every bronze event, duplicates included.</param>
    /// <param name="catalog">The offer catalog.</param>
    /// <param name="options">Report currency and rates.</param>
    /// <returns>The rows (ordered and limited) and totals; <see cref="ReportResult.Freshness"/> is the newest event time in gold.</returns>
    public static ReportResult Evaluate(ReportQuery query, IEnumerable<TrackingEvent> events, IOfferCatalog catalog, MedallionOptions options)
    {
        ArgumentNullException.ThrowIfNull(events);
        var gold = ReferenceGold.Compute(events, catalog, options);
        return Evaluate(query, gold.Hourly, gold.Daily, gold.Freshness);
    }

    /// <summary>Answers a query from hourly and daily gold.</summary>
    /// <param name="query">The query; invalid ones throw <see cref="ArgumentException"/> with the report clients' messages.</param>
    /// <param name="hourly">Hourly gold.</param>
    /// <param name="daily">Daily gold.</param>
    /// <param name="freshness">The freshness to report, or <see langword="null"/>.</param>
    /// <returns>The rows (ordered and limited) and totals.</returns>
    public static ReportResult Evaluate(
        ReportQuery query,
        IReadOnlyDictionary<GoldKey, GoldMetrics> hourly,
        IReadOnlyDictionary<GoldKey, GoldMetrics> daily,
        DateTimeOffset? freshness)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(hourly);
        ArgumentNullException.ThrowIfNull(daily);
        var plan = ReportQueryPlan.Create(query);
        var zone = plan.TimeZone;
        var gold = plan.ReadsHourlyGold ? hourly : daily;

        var groups = new Dictionary<string, Group>(StringComparer.Ordinal);
        var total = GoldMetrics.Zero;
        foreach (var (key, metrics) in gold)
        {
            var local = TimeZoneInfo.ConvertTime(key.Period, zone);
            var date = DateOnly.FromDateTime(local.DateTime);
            if (date < query.From || date > query.To)
            {
                continue;
            }

            if (query.Filters.Any(f => !f.Value.Contains(ValueOf(key, f.Key), StringComparer.Ordinal)))
            {
                continue;
            }

            var (period, periodOrder) = query.Grain switch
            {
                ReportGrain.Hour => (local.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture), local.UtcTicks),
                ReportGrain.Day => (date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), (long)date.DayNumber),
                ReportGrain.Month => (date.ToString("yyyy-MM", CultureInfo.InvariantCulture), (date.Year * 12L) + date.Month),
                _ => ((string?)null, 0L),
            };
            var dims = query.GroupBy.ToDictionary(d => d, d => ValueOf(key, d));
            var groupKey = period + "\u0001" + string.Join("\u0001", query.GroupBy.Select(d => dims[d] is { } v ? "v" + v : "null"));
            groups[groupKey] = groups.TryGetValue(groupKey, out var g) ? g with { Metrics = g.Metrics.Add(metrics) } : new Group(period, periodOrder, dims, metrics);
            total = total.Add(metrics);
        }

        var asked = query.Metrics.Count == 0 ? ReportNames.AllMetrics : query.Metrics;
        var ordered = groups.Values
            .Select(g => (Group: g, Row: new ReportRow(g.Period, g.Dimensions, Metrics(g.Metrics, asked))))
            .ToList();
        ordered.Sort((a, b) => Compare(plan, a.Group, a.Row, b.Group, b.Row));
        var rows = ordered.Take(query.Limit).Select(o => o.Row).ToList();
        return new ReportResult(rows, Metrics(total, asked), freshness);
    }

    /// <summary>The values of the asked metrics for summed gold metrics: sums, profit, and ratios (0 on a zero denominator, 6 places).</summary>
    /// <param name="metrics">Summed gold metrics.</param>
    /// <param name="asked">The metrics to compute.</param>
    /// <returns>Each asked metric's value.</returns>
    public static IReadOnlyDictionary<ReportMetric, decimal> Metrics(GoldMetrics metrics, IEnumerable<ReportMetric> asked)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(asked);
        var sums = new ReportSums(
            metrics.Impressions, metrics.Clicks, metrics.UniqueClicks, metrics.BotClicks, metrics.Conversions,
            metrics.PendingConversions, metrics.RejectedConversions, metrics.Revenue, metrics.Payout);
        return sums.ValuesOf([.. asked.Distinct()]);
    }

    /// <summary>A row as one line (period, dimensions, metrics with trailing zeros removed), for comparing rows in messages.</summary>
    /// <param name="row">The row.</param>
    /// <returns>The line.</returns>
    public static string Describe(ReportRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return row.Period + " | "
            + string.Join(",", row.Dimensions.OrderBy(d => d.Key).Select(d => $"{ReportNames.Of(d.Key)}={d.Value ?? "∅"}"))
            + " | " + Describe(row.Metrics);
    }

    /// <summary>Metric values as one line (trailing zeros removed, so 1.50 and 1.5 read the same).</summary>
    /// <param name="metrics">The values.</param>
    /// <returns>The line.</returns>
    public static string Describe(IReadOnlyDictionary<ReportMetric, decimal> metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        return string.Join(",", metrics.OrderBy(m => m.Key).Select(m => $"{ReportNames.Of(m.Key)}={m.Value.ToString("0.############", CultureInfo.InvariantCulture)}"));
    }

    /// <summary>The value of a dimension in a gold key.</summary>
    /// <param name="key">The gold key.</param>
    /// <param name="dimension">The dimension.</param>
    /// <returns>The value; <see langword="null"/> when the events had none.</returns>
    public static string? ValueOf(GoldKey key, ReportDimension dimension)
    {
        ArgumentNullException.ThrowIfNull(key);
        return dimension switch
        {
            ReportDimension.Affiliate => key.AffiliateId,
            ReportDimension.Offer => key.OfferId,
            ReportDimension.Campaign => key.CampaignId,
            ReportDimension.Sub1 => key.Sub1,
            ReportDimension.Sub2 => key.Sub2,
            ReportDimension.Sub3 => key.Sub3,
            ReportDimension.Sub4 => key.Sub4,
            ReportDimension.Sub5 => key.Sub5,
            ReportDimension.Country => key.Country,
            _ => throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "Unknown dimension."),
        };
    }

    private static int Compare(ReportQueryPlan plan, Group a, ReportRow ra, Group b, ReportRow rb)
    {
        foreach (var key in plan.SortKeys)
        {
            var c = key.IsPeriod ? a.PeriodOrder.CompareTo(b.PeriodOrder)
                : key.Dimension is { } dimension ? CompareText(a.Dimensions[dimension], b.Dimensions[dimension], descending: false)
                : MetricOf(ra, a, key.Metric!.Value).CompareTo(MetricOf(rb, b, key.Metric.Value));
            if (c != 0)
            {
                return key.Descending ? -c : c;
            }
        }

        return 0;
    }

    private static decimal MetricOf(ReportRow row, Group group, ReportMetric metric) =>
        row.Metrics.TryGetValue(metric, out var value) ? value : Metrics(group.Metrics, [metric])[metric];

    /// <summary>Ascending: nulls first; descending: nulls last.</summary>
    private static int CompareText(string? a, string? b, bool descending)
    {
        if (a is null || b is null)
        {
            var c = a is null ? (b is null ? 0 : -1) : 1;
            return descending ? -c : c;
        }

        var d = string.CompareOrdinal(a, b);
        return descending ? -d : d;
    }

    private sealed record Group(string? Period, long PeriodOrder, Dictionary<ReportDimension, string?> Dimensions, GoldMetrics Metrics);
}

/// <summary>Hourly and daily gold of a set of events as the reference model computes them, with its freshness.</summary>
/// <param name="Hourly">Hourly gold.</param>
/// <param name="Daily">Daily gold.</param>
/// <param name="Freshness">The newest <c>occurred_at</c> among the distinct events, if any.</param>
public sealed record ReferenceGold(
    IReadOnlyDictionary<GoldKey, GoldMetrics> Hourly,
    IReadOnlyDictionary<GoldKey, GoldMetrics> Daily,
    DateTimeOffset? Freshness)
{
    /// <summary>Computes both grains with <see cref="MedallionReference.Compute"/>.</summary>
    /// <param name="events">Every bronze event, duplicates included, any order.</param>
    /// <param name="catalog">The offer catalog.</param>
    /// <param name="options">Report currency and rates.</param>
    /// <returns>The gold.</returns>
    public static ReferenceGold Compute(IEnumerable<TrackingEvent> events, IOfferCatalog catalog, MedallionOptions options)
    {
        ArgumentNullException.ThrowIfNull(events);
        var list = events as IReadOnlyCollection<TrackingEvent> ?? events.ToList();
        var (_, hourly) = MedallionReference.Compute(list, catalog, options, GoldGrain.Hour);
        var (_, daily) = MedallionReference.Compute(list, catalog, options, GoldGrain.Day);
        DateTimeOffset? freshness = list.Count == 0 ? null : list.Max(e => e.OccurredAt);
        return new ReferenceGold(hourly, daily, freshness);
    }
}
