namespace Affiliate.Sdk.Reports;

/// <summary>The wire and column names of dimensions and metrics (<c>affiliate</c>, <c>unique_clicks</c>, <c>cr</c>, …).</summary>
public static class ReportNames
{
    private static readonly Dictionary<ReportDimension, string> DimensionNames = new()
    {
        [ReportDimension.Affiliate] = "affiliate",
        [ReportDimension.Offer] = "offer",
        [ReportDimension.Campaign] = "campaign",
        [ReportDimension.Sub1] = "sub1",
        [ReportDimension.Sub2] = "sub2",
        [ReportDimension.Sub3] = "sub3",
        [ReportDimension.Sub4] = "sub4",
        [ReportDimension.Sub5] = "sub5",
        [ReportDimension.Country] = "country",
    };

    private static readonly Dictionary<ReportMetric, string> MetricNames = new()
    {
        [ReportMetric.Impressions] = "impressions",
        [ReportMetric.Clicks] = "clicks",
        [ReportMetric.UniqueClicks] = "unique_clicks",
        [ReportMetric.BotClicks] = "bot_clicks",
        [ReportMetric.Conversions] = "conversions",
        [ReportMetric.PendingConversions] = "pending_conversions",
        [ReportMetric.RejectedConversions] = "rejected_conversions",
        [ReportMetric.Revenue] = "revenue",
        [ReportMetric.Payout] = "payout",
        [ReportMetric.Profit] = "profit",
        [ReportMetric.ConversionRate] = "cr",
        [ReportMetric.EarningsPerClick] = "epc",
        [ReportMetric.ClickThroughRate] = "ctr",
    };

    private static readonly Dictionary<string, ReportDimension> DimensionsByName =
        DimensionNames.ToDictionary(p => p.Value, p => p.Key, StringComparer.OrdinalIgnoreCase);

    private static readonly Dictionary<string, ReportMetric> MetricsByName =
        MetricNames.ToDictionary(p => p.Value, p => p.Key, StringComparer.OrdinalIgnoreCase);

    /// <summary>Every metric, in canonical order.</summary>
    public static IReadOnlyList<ReportMetric> AllMetrics { get; } = [.. MetricNames.Keys];

    /// <summary>The name of a dimension.</summary>
    /// <param name="dimension">The dimension.</param>
    /// <returns>Its name, e.g. <c>affiliate</c>.</returns>
    public static string Of(ReportDimension dimension) => DimensionNames[dimension];

    /// <summary>The gold column holding a dimension (docs/data-model.md), e.g. <c>affiliate_id</c>.</summary>
    /// <param name="dimension">The dimension.</param>
    /// <returns>The column name, lower case.</returns>
    public static string GoldColumnOf(ReportDimension dimension) =>
        dimension is ReportDimension.Affiliate or ReportDimension.Offer or ReportDimension.Campaign ? Of(dimension) + "_id" : Of(dimension);

    /// <summary>The name of a metric.</summary>
    /// <param name="metric">The metric.</param>
    /// <returns>Its name, e.g. <c>unique_clicks</c>.</returns>
    public static string Of(ReportMetric metric) => MetricNames[metric];

    /// <summary>Parses a dimension name (case-insensitive).</summary>
    /// <param name="name">The name.</param>
    /// <param name="dimension">The dimension when known.</param>
    /// <returns><see langword="true"/> when the name is a dimension.</returns>
    public static bool TryParseDimension(string name, out ReportDimension dimension) => DimensionsByName.TryGetValue(name, out dimension);

    /// <summary>Parses a metric name (case-insensitive).</summary>
    /// <param name="name">The name.</param>
    /// <param name="metric">The metric when known.</param>
    /// <returns><see langword="true"/> when the name is a metric.</returns>
    public static bool TryParseMetric(string name, out ReportMetric metric) => MetricsByName.TryGetValue(name, out metric);
}
