using System.Globalization;
using System.Text;
using Affiliate.Sdk.Reports;

namespace Affiliate.Sdk.Snowflake.Reports;

/// <summary>A compiled report: SQL text built only from whitelisted, quoted identifiers and fixed fragments, and its bindings.</summary>
internal sealed record CompiledSnowflakeReport(string Sql, IReadOnlyList<SnowflakeBinding> Bindings, bool HasPeriod, bool PeriodIsUtcHour, TimeZoneInfo TimeZone);

/// <summary>
/// Compiles a <see cref="ReportQuery"/> to Snowflake SQL over gold (docs/reports.md semantics, as the DuckDB client). Every
/// value — dates, UTC instants, offsets, filter values, the limit — is a <c>?</c> binding; identifiers come from fixed tables
/// keyed by enums and from validated settings, always quoted.
/// </summary>
internal static class SnowflakeReportSqlCompiler
{
    private static readonly Dictionary<ReportDimension, string> Columns = new()
    {
        [ReportDimension.Affiliate] = "\"AFFILIATE_ID\"",
        [ReportDimension.Offer] = "\"OFFER_ID\"",
        [ReportDimension.Campaign] = "\"CAMPAIGN_ID\"",
        [ReportDimension.Sub1] = "\"SUB1\"",
        [ReportDimension.Sub2] = "\"SUB2\"",
        [ReportDimension.Sub3] = "\"SUB3\"",
        [ReportDimension.Sub4] = "\"SUB4\"",
        [ReportDimension.Sub5] = "\"SUB5\"",
        [ReportDimension.Country] = "\"COUNTRY\"",
    };

    private const string Sums = """
        SUM("IMPRESSIONS")::NUMBER(38,0) AS "impressions", SUM("CLICKS")::NUMBER(38,0) AS "clicks",
        SUM("UNIQUE_CLICKS")::NUMBER(38,0) AS "unique_clicks", SUM("BOT_CLICKS")::NUMBER(38,0) AS "bot_clicks",
        SUM("CONVERSIONS")::NUMBER(38,0) AS "conversions", SUM("PENDING_CONVERSIONS")::NUMBER(38,0) AS "pending_conversions",
        SUM("REJECTED_CONVERSIONS")::NUMBER(38,0) AS "rejected_conversions",
        SUM("REVENUE")::NUMBER(38,6) AS "revenue", SUM("PAYOUT")::NUMBER(38,6) AS "payout"
        """;

    /// <summary>Metric columns in <see cref="ReportNames.AllMetrics"/> order; ratios divide exactly in integers (micro-units).</summary>
    private static readonly string Metrics = string.Join(
        ",\n",
        "\"impressions\", \"clicks\", \"unique_clicks\", \"bot_clicks\", \"conversions\", \"pending_conversions\", \"rejected_conversions\", \"revenue\", \"payout\"",
        "(\"revenue\" - \"payout\")::NUMBER(38,6) AS \"profit\"",
        $"{Ratio("(\"conversions\" * 1000000)", "\"clicks\"")} AS \"cr\"",
        $"{Ratio("(\"payout\" * 1000000)::NUMBER(38,0)", "\"clicks\"")} AS \"epc\"",
        $"{Ratio("(\"clicks\" * 1000000)", "\"impressions\"")} AS \"ctr\"");

    /// <summary>Totals over every grouped row, before LIMIT, so one statement answers rows and totals.</summary>
    private const string WindowTotals = """
        SUM("impressions") OVER (), SUM("clicks") OVER (), SUM("unique_clicks") OVER (), SUM("bot_clicks") OVER (),
        SUM("conversions") OVER (), SUM("pending_conversions") OVER (), SUM("rejected_conversions") OVER (),
        SUM("revenue") OVER (), SUM("payout") OVER ()
        """;

    public static CompiledSnowflakeReport Compile(ReportQuery query, SnowflakeOptions options)
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

        var zone = TimeZoneInfo.FindSystemTimeZoneById(query.TimeZone);
        var isUtc = zone.BaseUtcOffset == TimeSpan.Zero && !zone.SupportsDaylightSavingTime;
        var hourly = !isUtc || query.Grain == ReportGrain.Hour;
        var bindings = new List<SnowflakeBinding>();
        var where = new StringBuilder();
        string table;
        string? period;
        if (!hourly)
        {
            table = SnowflakeIdentifier.Quote(options.GoldDailyTable);
            where.Append("\"DAY\" >= ? AND \"DAY\" <= ?");
            bindings.Add(SnowflakeBinding.Date(query.From));
            bindings.Add(SnowflakeBinding.Date(query.To));
            period = query.Grain switch
            {
                ReportGrain.Day => "\"DAY\"",
                ReportGrain.Month => "DATE_TRUNC('MONTH', \"DAY\")",
                _ => null,
            };
        }
        else
        {
            table = SnowflakeIdentifier.Quote(options.GoldHourlyTable);
            var start = LocalStartToUtc(query.From, zone);
            var end = LocalStartToUtc(query.To.AddDays(1), zone);
            where.Append("\"HOUR\" >= ? AND \"HOUR\" < ?");
            bindings.Add(SnowflakeBinding.TimestampNtz(start));
            bindings.Add(SnowflakeBinding.TimestampNtz(end));
            period = query.Grain switch
            {
                ReportGrain.Hour => "\"HOUR\"",
                ReportGrain.Day => LocalDate(start, end, zone, bindings),
                ReportGrain.Month => $"DATE_TRUNC('MONTH', {LocalDate(start, end, zone, bindings)})",
                _ => null,
            };
        }

        foreach (var (dimension, values) in query.Filters.OrderBy(f => f.Key))
        {
            var distinct = values.Distinct(StringComparer.Ordinal).ToList();
            where.Append(" AND ").Append(Columns[dimension]).Append(" IN (");
            for (var i = 0; i < distinct.Count; i++)
            {
                where.Append(i == 0 ? "?" : ", ?");
                bindings.Add(SnowflakeBinding.Text(distinct[i]));
            }

            where.Append(')');
        }

        var groupColumns = new List<string>();
        if (period is not null)
        {
            groupColumns.Add($"{period} AS \"period\"");
        }

        groupColumns.AddRange(query.GroupBy.Select(d => $"{Columns[d]} AS \"{ReportNames.Of(d)}\""));
        var select = groupColumns.Count == 0 ? Sums : string.Join(", ", groupColumns) + ",\n" + Sums;
        var groupBy = groupColumns.Count == 0 ? string.Empty : "GROUP BY ALL";
        var output = new List<string>();
        if (period is not null)
        {
            output.Add("\"period\"");
        }

        output.AddRange(query.GroupBy.Select(d => $"\"{ReportNames.Of(d)}\""));
        output.Add(Metrics);
        output.Add(WindowTotals);
        var sql = $"""
            SELECT {string.Join(", ", output)}
            FROM (SELECT {select} FROM {table} WHERE {where} {groupBy} HAVING COUNT(*) > 0)
            ORDER BY {OrderBy(query, period is not null)}
            LIMIT ?
            """;
        bindings.Add(SnowflakeBinding.Fixed(query.Limit));
        return new CompiledSnowflakeReport(sql, bindings, period is not null, hourly && query.Grain == ReportGrain.Hour, zone);
    }

    /// <summary>The statement that reads the newest event time, when a freshness table is configured.</summary>
    public static string? FreshnessSql(SnowflakeOptions options) =>
        string.IsNullOrWhiteSpace(options.FreshnessTable)
            ? null
            : $"SELECT MAX({SnowflakeIdentifier.Quote(options.FreshnessColumn)}) FROM {SnowflakeIdentifier.Quote(options.FreshnessTable)}";

    /// <summary>The UTC instant a local date starts: local midnight, or the first valid time after a gap; an ambiguous one at its first occurrence.</summary>
    internal static DateTimeOffset LocalStartToUtc(DateOnly date, TimeZoneInfo zone)
    {
        var local = date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(15);
        }

        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        return new DateTimeOffset(local - offset, TimeSpan.Zero);
    }

    /// <summary>
    /// Local date of an hourly bucket: its UTC start plus the zone's offset at that instant. The offset is piecewise constant
    /// over the range, so it is a CASE over bound change points and bound offsets (exact for DST and half-hour zones).
    /// </summary>
    private static string LocalDate(DateTimeOffset start, DateTimeOffset end, TimeZoneInfo zone, List<SnowflakeBinding> bindings)
    {
        var segments = OffsetSegments(start, end, zone);
        var offset = new StringBuilder();
        if (segments.Count == 1)
        {
            offset.Append('?');
            bindings.Add(SnowflakeBinding.Fixed((long)segments[0].Offset.TotalMinutes));
        }
        else
        {
            offset.Append("CASE");
            for (var i = 1; i < segments.Count; i++)
            {
                offset.Append(" WHEN \"HOUR\" < ? THEN ?");
                bindings.Add(SnowflakeBinding.TimestampNtz(segments[i].From));
                bindings.Add(SnowflakeBinding.Fixed((long)segments[i - 1].Offset.TotalMinutes));
            }

            offset.Append(" ELSE ? END");
            bindings.Add(SnowflakeBinding.Fixed((long)segments[^1].Offset.TotalMinutes));
        }

        return $"TO_DATE(DATEADD(MINUTE, {offset}, \"HOUR\"))";
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
            // The caller's text only selects a canonical name; the SQL never contains it.
            var column = sort.Column == "period" ? "period"
                : ReportNames.TryParseDimension(sort.Column, out var dimension) ? ReportNames.Of(dimension)
                : ReportNames.TryParseMetric(sort.Column, out var metric) ? ReportNames.Of(metric)
                : throw new ArgumentException($"orderBy: unknown column '{sort.Column}'", nameof(query));
            keys.Add(sort.Descending ? $"\"{column}\" DESC NULLS LAST" : $"\"{column}\" ASC NULLS FIRST");
        }

        if (hasPeriod)
        {
            keys.Add("\"period\" ASC");
        }

        keys.AddRange(query.GroupBy.Select(d => $"\"{ReportNames.Of(d)}\" ASC NULLS FIRST"));
        if (keys.Count == 0)
        {
            keys.Add("1");
        }

        return string.Join(", ", keys);
    }

    /// <summary>n / d rounded half away from zero to 6 places, exactly: floor division of integers via MOD, then scaled.</summary>
    private static string Ratio(string numerator, string denominator)
    {
        static string FloorDiv(string a, string b) => $"(({a}) - MOD({a}, {b})) / ({b})";
        var n = numerator;
        var d = denominator;
        return $"""
            CASE WHEN {d} = 0 THEN 0::NUMBER(38,6) ELSE (CASE WHEN {n} >= 0
                THEN {FloorDiv($"2 * {n} + {d}", $"2 * {d}")}
                ELSE -{FloorDiv($"2 * -({n}) + {d}", $"2 * {d}")} END * 0.000001)::NUMBER(38,6) END
            """;
    }
}
