using System.Globalization;
using System.Text;
using Affiliate.Sdk.Reports;

namespace Affiliate.Sdk.DuckDb.Reports;

/// <summary>A compiled report: constant SQL text built only from whitelisted names, and the bound values.</summary>
internal sealed record CompiledReport(
    string RowsSql,
    IReadOnlyList<(string Name, object Value)> Parameters,
    bool PeriodIsUtcHour,
    TimeZoneInfo TimeZone);

/// <summary>
/// Compiles a <see cref="ReportQuery"/> to DuckDB SQL over gold. Identifiers come from fixed tables keyed by enums; every
/// value (dates, instants, offsets, filter lists, limit) is a parameter. See docs/reports.md.
/// </summary>
internal static class ReportSqlCompiler
{
    private static readonly Dictionary<ReportDimension, string> Columns = new()
    {
        [ReportDimension.Affiliate] = "affiliate_id",
        [ReportDimension.Offer] = "offer_id",
        [ReportDimension.Campaign] = "campaign_id",
        [ReportDimension.Sub1] = "sub1",
        [ReportDimension.Sub2] = "sub2",
        [ReportDimension.Sub3] = "sub3",
        [ReportDimension.Sub4] = "sub4",
        [ReportDimension.Sub5] = "sub5",
        [ReportDimension.Country] = "country",
    };

    private const string Sums = """
        CAST(sum(impressions) AS BIGINT) AS impressions, CAST(sum(clicks) AS BIGINT) AS clicks,
        CAST(sum(unique_clicks) AS BIGINT) AS unique_clicks, CAST(sum(bot_clicks) AS BIGINT) AS bot_clicks,
        CAST(sum(conversions) AS BIGINT) AS conversions, CAST(sum(pending_conversions) AS BIGINT) AS pending_conversions,
        CAST(sum(rejected_conversions) AS BIGINT) AS rejected_conversions,
        CAST(sum(revenue) AS DECIMAL(38,6)) AS revenue, CAST(sum(payout) AS DECIMAL(38,6)) AS payout
        """;

    /// <summary>The metrics over summed counts; ratios divide exactly in integers and round half away from zero.</summary>
    private static readonly string Metrics = string.Join(
        ",\n",
        "impressions, clicks, unique_clicks, bot_clicks, conversions, pending_conversions, rejected_conversions, revenue, payout",
        "CAST(revenue - payout AS DECIMAL(38,6)) AS profit",
        $"{Ratio("CAST(conversions AS HUGEINT) * 1000000", "clicks")} AS cr",
        $"{Ratio("CAST(payout * 1000000 AS HUGEINT)", "clicks")} AS epc",
        $"{Ratio("CAST(clicks AS HUGEINT) * 1000000", "impressions")} AS ctr");

    /// <summary>Totals over every grouped row, evaluated before LIMIT: one scan answers rows and totals.</summary>
    private const string WindowTotals = """
        CAST(sum(impressions) OVER () AS BIGINT), CAST(sum(clicks) OVER () AS BIGINT),
        CAST(sum(unique_clicks) OVER () AS BIGINT), CAST(sum(bot_clicks) OVER () AS BIGINT),
        CAST(sum(conversions) OVER () AS BIGINT), CAST(sum(pending_conversions) OVER () AS BIGINT),
        CAST(sum(rejected_conversions) OVER () AS BIGINT),
        CAST(sum(revenue) OVER () AS DECIMAL(38,6)), CAST(sum(payout) OVER () AS DECIMAL(38,6))
        """;

    public static string ColumnOf(ReportDimension dimension) => Columns[dimension];

    public static CompiledReport Compile(ReportQuery query)
    {
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

        var zone = TimeZoneInfo.FindSystemTimeZoneById(query.TimeZone);
        var isUtc = zone.BaseUtcOffset == TimeSpan.Zero && !zone.SupportsDaylightSavingTime;
        var hourly = !isUtc || query.Grain == ReportGrain.Hour;

        // Breakdowns by affiliate and/or offer only read the roll-ups (same sums, far fewer rows).
        var rollup = query.GroupBy.Concat(query.Filters.Keys).All(d => d is ReportDimension.Affiliate or ReportDimension.Offer);
        var parameters = new List<(string, object)>();
        var where = new StringBuilder();
        string table;
        string? period;
        if (!hourly)
        {
            table = rollup ? "gold_daily_affiliate_offer" : "gold_daily";
            where.Append("day >= $from AND day <= $to");
            parameters.Add(("from", query.From));
            parameters.Add(("to", query.To));
            period = query.Grain switch
            {
                ReportGrain.Day => "day",
                ReportGrain.Month => "CAST(date_trunc('month', day) AS DATE)",
                _ => null,
            };
        }
        else
        {
            table = rollup ? "gold_hourly_affiliate_offer" : "gold_hourly";
            var start = LocalStartToUtc(query.From, zone);
            var end = LocalStartToUtc(query.To.AddDays(1), zone);
            where.Append("hour >= $start AND hour < $end");
            parameters.Add(("start", start));
            parameters.Add(("end", end));
            period = query.Grain switch
            {
                ReportGrain.Hour => "hour",
                ReportGrain.Day => LocalDate(start, end, zone, parameters),
                ReportGrain.Month => $"CAST(date_trunc('month', {LocalDate(start, end, zone, parameters)}) AS DATE)",
                _ => null,
            };
        }

        var filterIndex = 0;
        foreach (var (dimension, values) in query.Filters.OrderBy(f => f.Key))
        {
            var name = "f" + filterIndex++.ToString(CultureInfo.InvariantCulture);
            where.Append(CultureInfo.InvariantCulture, $" AND list_contains(${name}, {Columns[dimension]})");
            parameters.Add((name, values.Distinct(StringComparer.Ordinal).ToList()));
        }

        var groupColumns = new List<string>();
        if (period is not null)
        {
            groupColumns.Add($"{period} AS period");
        }

        groupColumns.AddRange(query.GroupBy.Select(d => $"{Columns[d]} AS {ReportNames.Of(d)}"));
        var select = groupColumns.Count == 0 ? Sums : string.Join(", ", groupColumns) + ",\n" + Sums;
        var groupBy = groupColumns.Count == 0 ? string.Empty : "GROUP BY ALL";
        var outputColumns = new List<string>();
        if (period is not null)
        {
            outputColumns.Add("period");
        }

        outputColumns.AddRange(query.GroupBy.Select(ReportNames.Of));
        outputColumns.Add(Metrics);
        outputColumns.Add(WindowTotals);

        var rows = $"""
            SELECT {string.Join(", ", outputColumns)}
            FROM (SELECT {select} FROM {table} WHERE {where} {groupBy} HAVING count(*) > 0)
            ORDER BY {OrderBy(query, period is not null)}
            LIMIT $limit
            """;
        parameters.Add(("limit", query.Limit));

        return new CompiledReport(rows, parameters, hourly && query.Grain == ReportGrain.Hour, zone);
    }

    /// <summary>The UTC instant a local date starts at: local midnight, or the first valid instant after a gap at midnight.</summary>
    internal static DateTimeOffset LocalStartToUtc(DateOnly date, TimeZoneInfo zone)
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

    /// <summary>
    /// Local date of an hourly bucket: its UTC start plus the zone's offset at that instant, as whole days since the
    /// epoch (integer arithmetic; TIMESTAMPTZ casts would go through ICU per row). The offset is piecewise constant over
    /// the range, so it is a CASE over bound change points (exact for DST and half-hour zones).
    /// </summary>
    private static string LocalDate(DateTimeOffset start, DateTimeOffset end, TimeZoneInfo zone, List<(string, object)> parameters)
    {
        var segments = OffsetSegments(start, end, zone);
        var offset = new StringBuilder();
        if (segments.Count == 1)
        {
            offset.Append("$o0");
        }
        else
        {
            offset.Append("CASE");
            for (var i = 1; i < segments.Count; i++)
            {
                offset.Append(CultureInfo.InvariantCulture, $" WHEN hour < $b{i} THEN $o{i - 1}");
                parameters.Add(("b" + i.ToString(CultureInfo.InvariantCulture), segments[i].From));
            }

            offset.Append(CultureInfo.InvariantCulture, $" ELSE $o{segments.Count - 1} END");
        }

        for (var i = 0; i < segments.Count; i++)
        {
            parameters.Add(("o" + i.ToString(CultureInfo.InvariantCulture), (long)segments[i].Offset.TotalMinutes));
        }

        // floor((epoch_us + offset_us) / day_us); DuckDB's // truncates, so negative (pre-1970) values are adjusted.
        var local = $"(epoch_us(hour) + ({offset}) * 60000000)";
        return $"(DATE '1970-01-01' + CAST(CASE WHEN {local} >= 0 THEN {local} // 86400000000 ELSE ({local} + 1) // 86400000000 - 1 END AS INTEGER))";
    }

    /// <summary>Hour starts in [start, end) where the zone's offset changes, with the offset from there on.</summary>
    internal static List<(DateTimeOffset From, TimeSpan Offset)> OffsetSegments(DateTimeOffset start, DateTimeOffset end, TimeZoneInfo zone)
    {
        var first = new DateTimeOffset(start.UtcDateTime.Date.AddHours(start.UtcDateTime.Hour), TimeSpan.Zero);
        var segments = new List<(DateTimeOffset, TimeSpan)> { (first, zone.GetUtcOffset(first)) };
        var current = segments[0].Item2;

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
                    segments.Add((hour, offset));
                    current = offset;
                }
            }
        }

        return segments;
    }

    private static string OrderBy(ReportQuery query, bool hasPeriod)
    {
        var keys = new List<string>();
        foreach (var sort in query.OrderBy)
        {
            string column;
            if (sort.Column == "period")
            {
                column = "period";
            }
            else if (ReportNames.TryParseDimension(sort.Column, out var dimension))
            {
                column = ReportNames.Of(dimension);
            }
            else if (ReportNames.TryParseMetric(sort.Column, out var metric))
            {
                column = ReportNames.Of(metric);
            }
            else
            {
                throw new ArgumentException($"orderBy: unknown column '{sort.Column}'", nameof(query));
            }

            keys.Add(sort.Descending ? $"{column} DESC NULLS LAST" : $"{column} ASC NULLS FIRST");
        }

        // Deterministic ties: the period, then the dimensions in groupBy order.
        if (hasPeriod)
        {
            keys.Add("period ASC");
        }

        keys.AddRange(query.GroupBy.Select(d => $"{ReportNames.Of(d)} ASC NULLS FIRST"));
        if (keys.Count == 0)
        {
            keys.Add("1");
        }

        return string.Join(", ", keys);
    }

    private static string Ratio(string numerator, string denominator) =>
        $"""
        CASE WHEN {denominator} = 0 THEN CAST(0 AS DECIMAL(38,6)) ELSE CAST(CAST(
            CASE WHEN {numerator} >= 0 THEN (2 * {numerator} + {denominator}) // (2 * {denominator})
                 ELSE -((2 * -({numerator}) + {denominator}) // (2 * {denominator})) END
            AS DECIMAL(38,0)) * CAST(0.000001 AS DECIMAL(7,6)) AS DECIMAL(38,6)) END
        """;
}
