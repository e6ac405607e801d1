using System.Globalization;

namespace Affiliate.Sdk.Reports;

/// <summary>
/// The engine-independent plan of a <see cref="ReportQuery"/> that every report client follows (docs/reports.md): it refuses
/// invalid queries with the shared messages, picks the gold grain, turns the local date range into UTC instants, and resolves
/// the sort keys. Report clients add only their SQL dialect or scan on top of it.
/// </summary>
public sealed class ReportQueryPlan
{
    private IReadOnlyList<ReportOffsetSegment>? _segments;

    private ReportQueryPlan(ReportQuery query, TimeZoneInfo zone)
    {
        Query = query;
        TimeZone = zone;
        var isUtc = zone.BaseUtcOffset == TimeSpan.Zero && !zone.SupportsDaylightSavingTime;
        ReadsHourlyGold = !isUtc || query.Grain == ReportGrain.Hour;
        Start = LocalDateStart(query.From, zone);
        End = LocalDateStart(query.To.AddDays(1), zone);
        Metrics = query.Metrics.Count == 0 ? ReportNames.AllMetrics : [.. query.Metrics.Distinct()];
        Filters = [.. query.Filters
            .OrderBy(f => f.Key)
            .Select(f => new KeyValuePair<ReportDimension, IReadOnlyList<string>>(f.Key, [.. f.Value.Distinct(StringComparer.Ordinal)]))];
        SortKeys = ResolveSortKeys(query);
    }

    /// <summary>The query planned.</summary>
    public ReportQuery Query { get; }

    /// <summary>The query's time zone.</summary>
    public TimeZoneInfo TimeZone { get; }

    /// <summary>Whether the query reads hourly gold; UTC day, month and total reports read daily gold.</summary>
    public bool ReadsHourlyGold { get; }

    /// <summary>Whether rows have a period (every grain but <see cref="ReportGrain.Total"/>).</summary>
    public bool HasPeriod => Query.Grain != ReportGrain.Total;

    /// <summary>The UTC instant the range starts: the start of <see cref="ReportQuery.From"/> in the zone.</summary>
    public DateTimeOffset Start { get; }

    /// <summary>The UTC instant the range ends (exclusive): the start of the day after <see cref="ReportQuery.To"/> in the zone.</summary>
    public DateTimeOffset End { get; }

    /// <summary>The metrics to return: those asked (each once), or all of them in canonical order when none are.</summary>
    public IReadOnlyList<ReportMetric> Metrics { get; }

    /// <summary>The filters ordered by dimension, each with its distinct values (ordinal) in the order given.</summary>
    public IReadOnlyList<KeyValuePair<ReportDimension, IReadOnlyList<string>>> Filters { get; }

    /// <summary>
    /// The full ordering: the query's sort keys, then the deterministic tie-break (the period, then the grouped dimensions in
    /// groupBy order, ascending). Ascending keys put nulls first, descending keys last; empty when rows have no order to break.
    /// </summary>
    public IReadOnlyList<ReportSortKey> SortKeys { get; }

    /// <summary>The zone's offsets over [<see cref="Start"/>, <see cref="End"/>): where they change, on whole UTC hours.</summary>
    public IReadOnlyList<ReportOffsetSegment> OffsetSegments => _segments ??= ComputeOffsetSegments(Start, End, TimeZone);

    /// <summary>The period of an hour-grain row: the hour's start in the query's zone, e.g. <c>2026-03-07T13:00:00+01:00</c>.</summary>
    /// <param name="hourStart">The hour's start (any offset).</param>
    /// <returns>The period text.</returns>
    public string FormatHour(DateTimeOffset hourStart) =>
        System.TimeZoneInfo.ConvertTime(hourStart, TimeZone).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    /// <summary>The period of a day- or month-grain row: <c>yyyy-MM-dd</c>, or <c>yyyy-MM</c> for months.</summary>
    /// <param name="date">The local date (for months, any date in the month).</param>
    /// <returns>The period text.</returns>
    public string FormatDate(DateOnly date) =>
        date.ToString(Query.Grain == ReportGrain.Month ? "yyyy-MM" : "yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>
    /// A result row from a row laid out as the SQL report clients select it: the period column (when rows have one), the
    /// grouped dimensions in groupBy order, then every metric in <see cref="ReportNames.AllMetrics"/> order.
    /// </summary>
    /// <param name="period">The row's period text (see <see cref="FormatHour"/>, <see cref="FormatDate"/>), or <see langword="null"/>.</param>
    /// <param name="column">The value at a column index; <see langword="null"/> or <see cref="DBNull"/> for SQL NULL.</param>
    /// <returns>The row with the asked <see cref="Metrics"/>.</returns>
    public ReportRow ReadRow(string? period, Func<int, object?> column)
    {
        ArgumentNullException.ThrowIfNull(column);
        var first = HasPeriod ? 1 : 0;
        var dimensions = new Dictionary<ReportDimension, string?>(Query.GroupBy.Count);
        for (var i = 0; i < Query.GroupBy.Count; i++)
        {
            dimensions[Query.GroupBy[i]] = column(first + i) is { } v and not DBNull ? Convert.ToString(v, CultureInfo.InvariantCulture) : null;
        }

        var firstMetric = first + Query.GroupBy.Count;
        var values = new Dictionary<ReportMetric, decimal>(Metrics.Count);
        foreach (var metric in Metrics)
        {
            values[metric] = column(firstMetric + ((int)metric - 1)) is { } v and not DBNull ? Convert.ToDecimal(v, CultureInfo.InvariantCulture) : 0m;
        }

        return new ReportRow(period, dimensions, values);
    }

    /// <summary>The totals from the nine window-sum columns that follow the metrics in a row laid out as in <see cref="ReadRow"/>.</summary>
    /// <param name="column">The value at a column index.</param>
    /// <returns>The sums.</returns>
    public ReportSums ReadTotals(Func<int, object?> column)
    {
        ArgumentNullException.ThrowIfNull(column);
        var first = (HasPeriod ? 1 : 0) + Query.GroupBy.Count + ReportNames.AllMetrics.Count;
        return ReportSums.FromColumns(i => column(first + i));
    }

    /// <summary>Validates a query and plans it.</summary>
    /// <param name="query">The query.</param>
    /// <returns>The plan.</returns>
    /// <exception cref="ArgumentException">The query is invalid; the message (<c>Invalid report query: …</c>) lists every problem.</exception>
    public static ReportQueryPlan Create(ReportQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var errors = new List<string>(query.Validate());
        foreach (var (dimension, values) in query.Filters)
        {
            if (values is not null && values.Any(v => v is null))
            {
                errors.Add($"filter.{ReportNames.Of(dimension)}: values must not be null");
            }
        }

        foreach (var sort in query.OrderBy)
        {
            if (sort.Column == "period" && query.Grain == ReportGrain.Total)
            {
                errors.Add("orderBy: 'period' needs a grain other than total");
            }
            else if (ReportNames.TryParseDimension(sort.Column, out var dimension) && !query.GroupBy.Contains(dimension))
            {
                errors.Add($"orderBy: '{ReportNames.Of(dimension)}' is not in groupBy");
            }
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid report query: " + string.Join("; ", errors), nameof(query));
        }

        return new ReportQueryPlan(query, TimeZoneInfo.FindSystemTimeZoneById(query.TimeZone));
    }

    /// <summary>The UTC instant a local date starts at: local midnight, or the first valid instant after a gap at midnight.</summary>
    private static DateTimeOffset LocalDateStart(DateOnly date, TimeZoneInfo zone)
    {
        var local = date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(15);
        }

        // An ambiguous midnight (clocks set back across it) starts at its first occurrence: the larger offset.
        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        return new DateTimeOffset(local - offset, TimeSpan.Zero);
    }

    /// <summary>Hour starts in [start, end) where the zone's offset changes, with the offset from there on.</summary>
    private static List<ReportOffsetSegment> ComputeOffsetSegments(DateTimeOffset start, DateTimeOffset end, TimeZoneInfo zone)
    {
        var first = new DateTimeOffset(start.UtcDateTime.Date.AddHours(start.UtcDateTime.Hour), TimeSpan.Zero);
        var segments = new List<ReportOffsetSegment> { new(first, zone.GetUtcOffset(first)) };
        var current = segments[0].Offset;

        // Walk days, then hours inside a day whose offset differs from the day before.
        for (var day = first; day < end; day = day.AddDays(1))
        {
            var next = day.AddDays(1);
            if (zone.GetUtcOffset(next < end ? next : end) == current && zone.GetUtcOffset(day) == current)
            {
                continue;
            }

            for (var hour = day; hour < next && hour < end; hour = hour.AddHours(1))
            {
                var offset = zone.GetUtcOffset(hour);
                if (offset != current)
                {
                    segments.Add(new ReportOffsetSegment(hour, offset));
                    current = offset;
                }
            }
        }

        return segments;
    }

    private static List<ReportSortKey> ResolveSortKeys(ReportQuery query)
    {
        var keys = new List<ReportSortKey>();
        foreach (var sort in query.OrderBy)
        {
            // The caller's text only selects a canonical name; validation refused unknown ones.
            keys.Add(sort.Column == "period" ? new ReportSortKey("period", sort.Descending, null, null)
                : ReportNames.TryParseDimension(sort.Column, out var dimension) ? new ReportSortKey(ReportNames.Of(dimension), sort.Descending, dimension, null)
                : ReportNames.TryParseMetric(sort.Column, out var metric) ? new ReportSortKey(ReportNames.Of(metric), sort.Descending, null, metric)
                : throw new ArgumentException($"orderBy: unknown column '{sort.Column}'", nameof(query)));
        }

        if (query.Grain != ReportGrain.Total)
        {
            keys.Add(new ReportSortKey("period", false, null, null));
        }

        keys.AddRange(query.GroupBy.Select(d => new ReportSortKey(ReportNames.Of(d), false, d, null)));
        return keys;
    }
}

/// <summary>One resolved sort key of a report: ascending puts nulls first, descending puts them last.</summary>
/// <param name="Column">The canonical column name: <c>period</c>, a dimension or a metric name (<see cref="ReportNames"/>).</param>
/// <param name="Descending">Largest first.</param>
/// <param name="Dimension">The dimension when the key is one.</param>
/// <param name="Metric">The metric when the key is one.</param>
public readonly record struct ReportSortKey(string Column, bool Descending, ReportDimension? Dimension, ReportMetric? Metric)
{
    /// <summary>Whether the key is the row's period.</summary>
    public bool IsPeriod => Dimension is null && Metric is null;
}

/// <summary>A piece of a report range over which the time zone's UTC offset is constant.</summary>
/// <param name="From">The UTC hour start the offset applies from (until the next segment, or the range's end).</param>
/// <param name="Offset">The zone's UTC offset from there on.</param>
public readonly record struct ReportOffsetSegment(DateTimeOffset From, TimeSpan Offset);
