namespace Affiliate.Sdk.Reports;

/// <summary>The time bucket of report rows.</summary>
public enum ReportGrain
{
    /// <summary>One bucket for the whole range.</summary>
    Total = 0,

    /// <summary>Hours in the query's time zone.</summary>
    Hour = 1,

    /// <summary>Days in the query's time zone.</summary>
    Day = 2,

    /// <summary>Calendar months in the query's time zone.</summary>
    Month = 3,
}

/// <summary>A dimension reports can group and filter by.</summary>
public enum ReportDimension
{
    /// <summary>The affiliate id.</summary>
    Affiliate = 1,

    /// <summary>The offer id.</summary>
    Offer = 2,

    /// <summary>The campaign id.</summary>
    Campaign = 3,

    /// <summary>Sub id 1.</summary>
    Sub1 = 4,

    /// <summary>Sub id 2.</summary>
    Sub2 = 5,

    /// <summary>Sub id 3.</summary>
    Sub3 = 6,

    /// <summary>Sub id 4.</summary>
    Sub4 = 7,

    /// <summary>Sub id 5.</summary>
    Sub5 = 8,

    /// <summary>The client's country.</summary>
    Country = 9,
}

/// <summary>A report metric. Ratios are computed at query time from the summed counts.</summary>
public enum ReportMetric
{
    /// <summary>Impressions.</summary>
    Impressions = 1,

    /// <summary>Clicks that are not bots.</summary>
    Clicks = 2,

    /// <summary>Distinct visitors among clicks.</summary>
    UniqueClicks = 3,

    /// <summary>Clicks flagged as bots.</summary>
    BotClicks = 4,

    /// <summary>Approved, attributed conversions.</summary>
    Conversions = 5,

    /// <summary>Pending conversions.</summary>
    PendingConversions = 6,

    /// <summary>Rejected conversions.</summary>
    RejectedConversions = 7,

    /// <summary>Revenue in the report currency.</summary>
    Revenue = 8,

    /// <summary>Payout in the report currency.</summary>
    Payout = 9,

    /// <summary>revenue − payout.</summary>
    Profit = 10,

    /// <summary>conversions / clicks.</summary>
    ConversionRate = 11,

    /// <summary>payout / clicks (earnings per click).</summary>
    EarningsPerClick = 12,

    /// <summary>clicks / impressions.</summary>
    ClickThroughRate = 13,
}

/// <summary>One sort key of a report.</summary>
/// <param name="Column">A dimension or metric name (see <see cref="ReportNames"/>) or <c>period</c>.</param>
/// <param name="Descending">Largest first.</param>
public sealed record ReportSort(string Column, bool Descending = false);

/// <summary>
/// A typed report request over gold. Every part is a closed set of names or a bound value, so report clients
/// compile it to parameterised SQL and never concatenate user text.
/// </summary>
public sealed record ReportQuery
{
    /// <summary>Most rows a query may ask for.</summary>
    public const int MaxLimit = 100_000;

    /// <summary>First day of the range (inclusive) in <see cref="TimeZone"/>.</summary>
    public required DateOnly From { get; init; }

    /// <summary>Last day of the range (inclusive) in <see cref="TimeZone"/>.</summary>
    public required DateOnly To { get; init; }

    /// <summary>IANA time zone the range and buckets are in.</summary>
    public string TimeZone { get; init; } = "UTC";

    /// <summary>The time bucket of rows.</summary>
    public ReportGrain Grain { get; init; } = ReportGrain.Day;

    /// <summary>Dimensions to group by, in column order.</summary>
    public IReadOnlyList<ReportDimension> GroupBy { get; init; } = [];

    /// <summary>Filters: a row is kept when, for every dimension listed, its value is one of the given values.</summary>
    public IReadOnlyDictionary<ReportDimension, IReadOnlyList<string>> Filters { get; init; } = new Dictionary<ReportDimension, IReadOnlyList<string>>();

    /// <summary>Metrics to compute; all of them when empty.</summary>
    public IReadOnlyList<ReportMetric> Metrics { get; init; } = [];

    /// <summary>Sort keys, first one first.</summary>
    public IReadOnlyList<ReportSort> OrderBy { get; init; } = [];

    /// <summary>Most rows to return.</summary>
    public int Limit { get; init; } = 1000;

    /// <summary>Checks the query; report clients refuse invalid ones with these messages.</summary>
    /// <returns>The problems, each naming the part of the query; empty when valid.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (To < From)
        {
            errors.Add("to: must not be before from");
        }

        if (To.DayNumber - From.DayNumber > 3660)
        {
            errors.Add("to: the range must be at most ten years");
        }

        if (!System.TimeZoneInfo.TryFindSystemTimeZoneById(TimeZone, out _))
        {
            errors.Add($"tz: unknown time zone '{TimeZone}'");
        }

        if (Limit < 1 || Limit > MaxLimit)
        {
            errors.Add($"limit: must be between 1 and {MaxLimit}");
        }

        if (GroupBy.Distinct().Count() != GroupBy.Count)
        {
            errors.Add("groupBy: a dimension is listed twice");
        }

        foreach (var (dimension, values) in Filters)
        {
            if (values.Count == 0)
            {
                errors.Add($"filter.{ReportNames.Of(dimension)}: needs at least one value");
            }
        }

        foreach (var sort in OrderBy)
        {
            var known = sort.Column == "period"
                || ReportNames.TryParseDimension(sort.Column, out _)
                || ReportNames.TryParseMetric(sort.Column, out _);
            if (!known)
            {
                errors.Add($"orderBy: unknown column '{sort.Column}'");
            }
        }

        return errors;
    }
}
