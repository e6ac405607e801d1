using System.Globalization;
using System.Text;
using Affiliate.Sdk.Reports;
using Npgsql;
using NpgsqlTypes;

namespace Affiliate.Sdk.Postgres.Internal;

/// <summary>A compiled report: SQL text built only from whitelisted fragments, and the bound values.</summary>
internal sealed record CompiledReport(string RowsSql, IReadOnlyList<NpgsqlParameter> Parameters, bool PeriodIsUtcHour, TimeZoneInfo TimeZone);

/// <summary>
/// Compiles a <see cref="ReportQuery"/> to PostgreSQL over the loaded gold, with the semantics of docs/reports.md (the same
/// answers as the DuckDB client). Identifiers come from fixed tables keyed by enums; every value is an
/// <see cref="NpgsqlParameter"/>. Text columns use the "C" collation, so sort order is byte order as in DuckDB.
/// </summary>
internal static class PostgresReportSql
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
        sum(impressions)::bigint AS impressions, sum(clicks)::bigint AS clicks,
        sum(unique_clicks)::bigint AS unique_clicks, sum(bot_clicks)::bigint AS bot_clicks,
        sum(conversions)::bigint AS conversions, sum(pending_conversions)::bigint AS pending_conversions,
        sum(rejected_conversions)::bigint AS rejected_conversions,
        sum(revenue)::numeric(38,6) AS revenue, sum(payout)::numeric(38,6) AS payout
        """;

    /// <summary>Metrics over summed counts, in <see cref="ReportNames.AllMetrics"/> order; ratios divide exactly in numeric integers.</summary>
    private static readonly string Metrics = string.Join(
        ",\n",
        "impressions, clicks, unique_clicks, bot_clicks, conversions, pending_conversions, rejected_conversions, revenue, payout",
        "(revenue - payout)::numeric(38,6) AS profit",
        $"{Ratio("conversions::numeric * 1000000", "clicks")} AS cr",
        $"{Ratio("payout * 1000000", "clicks")} AS epc",
        $"{Ratio("clicks::numeric * 1000000", "impressions")} AS ctr");

    /// <summary>Totals over every grouped row, evaluated before LIMIT.</summary>
    private const string WindowTotals = """
        (sum(impressions) OVER ())::bigint, (sum(clicks) OVER ())::bigint,
        (sum(unique_clicks) OVER ())::bigint, (sum(bot_clicks) OVER ())::bigint,
        (sum(conversions) OVER ())::bigint, (sum(pending_conversions) OVER ())::bigint,
        (sum(rejected_conversions) OVER ())::bigint,
        (sum(revenue) OVER ())::numeric(38,6), (sum(payout) OVER ())::numeric(38,6)
        """;

    public static CompiledReport Compile(ReportQuery query, string quotedSchema)
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

        // Breakdowns by affiliate alone (or offer alone) read that roll-up: the same sums over far fewer rows.
        var used = query.GroupBy.Concat(query.Filters.Keys).Distinct().ToList();
        var rollup = used.Count switch
        {
            0 => "_affiliate",
            1 when used[0] == ReportDimension.Affiliate => "_affiliate",
            1 when used[0] == ReportDimension.Offer => "_offer",
            _ => string.Empty,
        };
        var parameters = new List<NpgsqlParameter>();
        var where = new StringBuilder();
        string table;
        string? period;
        if (!hourly)
        {
            table = "gold_daily" + rollup;
            where.Append("day >= @from AND day <= @to");
            parameters.Add(new NpgsqlParameter("from", NpgsqlDbType.Date) { Value = query.From });
            parameters.Add(new NpgsqlParameter("to", NpgsqlDbType.Date) { Value = query.To });
            period = query.Grain switch
            {
                ReportGrain.Day => "day",
                ReportGrain.Month => "date_trunc('month', day)::date",
                _ => null,
            };
        }
        else
        {
            table = "gold_hourly" + rollup;
            var start = LocalStartToUtc(query.From, zone);
            var end = LocalStartToUtc(query.To.AddDays(1), zone);
            where.Append("hour >= @start AND hour < @end");
            parameters.Add(new NpgsqlParameter("start", NpgsqlDbType.TimestampTz) { Value = start.UtcDateTime });
            parameters.Add(new NpgsqlParameter("end", NpgsqlDbType.TimestampTz) { Value = end.UtcDateTime });
            period = query.Grain switch
            {
                ReportGrain.Hour => "hour",
                ReportGrain.Day => LocalDate(start, end, zone, parameters),
                ReportGrain.Month => $"date_trunc('month', {LocalDate(start, end, zone, parameters)})::date",
                _ => null,
            };
        }

        var filterIndex = 0;
        foreach (var (dimension, values) in query.Filters.OrderBy(f => f.Key))
        {
            var name = "f" + filterIndex++.ToString(CultureInfo.InvariantCulture);
            where.Append(CultureInfo.InvariantCulture, $" AND {Columns[dimension]} = ANY(@{name})");
            parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = values.Distinct(StringComparer.Ordinal).ToArray() });
        }

        var groupColumns = new List<string>();
        var groupKeys = new List<string>();
        if (period is not null)
        {
            groupColumns.Add($"{period} AS period");
            groupKeys.Add("1");
        }

        foreach (var dimension in query.GroupBy)
        {
            groupColumns.Add($"{Columns[dimension]} AS {ReportNames.Of(dimension)}");
            groupKeys.Add(Columns[dimension]);
        }

        var select = groupColumns.Count == 0 ? Sums : string.Join(", ", groupColumns) + ",\n" + Sums;
        var groupBy = groupKeys.Count == 0 ? string.Empty : "GROUP BY " + string.Join(", ", groupKeys);
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
            FROM (SELECT {select} FROM {quotedSchema}.{table} WHERE {where} {groupBy} HAVING count(*) > 0) AS grouped
            ORDER BY {OrderBy(query, period is not null)}
            LIMIT @limit
            """;
        parameters.Add(new NpgsqlParameter("limit", NpgsqlDbType.Integer) { Value = query.Limit });
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
    /// Local date of an hourly bucket: its UTC start plus the zone's offset at that instant. The offset is piecewise constant
    /// over the range, so it is a CASE over bound change points computed with .NET's zone data (the data the query was
    /// validated with, not the server's).
    /// </summary>
    private static string LocalDate(DateTimeOffset start, DateTimeOffset end, TimeZoneInfo zone, List<NpgsqlParameter> parameters)
    {
        var segments = OffsetSegments(start, end, zone);
        var offset = new StringBuilder();
        if (segments.Count == 1)
        {
            offset.Append("@o0");
        }
        else
        {
            offset.Append("CASE");
            for (var i = 1; i < segments.Count; i++)
            {
                var b = "b" + i.ToString(CultureInfo.InvariantCulture);
                offset.Append(CultureInfo.InvariantCulture, $" WHEN hour < @{b} THEN @o{i - 1}");
                parameters.Add(new NpgsqlParameter(b, NpgsqlDbType.TimestampTz) { Value = segments[i].From.UtcDateTime });
            }

            offset.Append(CultureInfo.InvariantCulture, $" ELSE @o{segments.Count - 1} END");
        }

        for (var i = 0; i < segments.Count; i++)
        {
            parameters.Add(new NpgsqlParameter("o" + i.ToString(CultureInfo.InvariantCulture), NpgsqlDbType.Integer) { Value = (int)segments[i].Offset.TotalMinutes });
        }

        return $"((hour AT TIME ZONE 'UTC') + make_interval(mins => {offset}))::date";
    }

    /// <summary>Hour starts in [start, end) where the zone's offset changes, with the offset from there on.</summary>
    internal static List<(DateTimeOffset From, TimeSpan Offset)> OffsetSegments(DateTimeOffset start, DateTimeOffset end, TimeZoneInfo zone)
    {
        var first = new DateTimeOffset(start.UtcDateTime.Date.AddHours(start.UtcDateTime.Hour), TimeSpan.Zero);
        var segments = new List<(DateTimeOffset, TimeSpan)> { (first, zone.GetUtcOffset(first)) };
        var current = segments[0].Item2;
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

    /// <summary>numerator / denominator rounded to 6 places half away from zero, in exact numeric integer arithmetic.</summary>
    private static string Ratio(string numerator, string denominator) =>
        $"""
        CASE WHEN {denominator} = 0 THEN 0::numeric(38,6) ELSE (
            CASE WHEN {numerator} >= 0 THEN div(2 * ({numerator}) + {denominator}, 2::numeric * {denominator})
                 ELSE -div(2 * -({numerator}) + {denominator}, 2::numeric * {denominator}) END
            * 0.000001)::numeric(38,6) END
        """;
}
