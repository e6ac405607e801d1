using System.Globalization;
using System.Text;
using Affiliate.Sdk.Reports;

namespace Affiliate.Sdk.Snowflake.Reports;

/// <summary>A compiled report: SQL text built only from whitelisted, quoted identifiers and fixed fragments, and its bindings.</summary>
internal sealed record CompiledSnowflakeReport(string Sql, IReadOnlyList<SnowflakeBinding> Bindings, ReportQueryPlan Plan);

/// <summary>
/// Compiles a <see cref="ReportQuery"/> to Snowflake SQL over gold (docs/reports.md semantics, as the DuckDB client). Every
/// value — dates, UTC instants, offsets, filter values, the limit — is a <c>?</c> binding; identifiers come from fixed tables
/// keyed by enums and from validated settings, always quoted.
/// </summary>
internal static class SnowflakeReportSqlCompiler
{
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
        var plan = ReportQueryPlan.Create(query);
        var zone = plan.TimeZone;
        var hourly = plan.ReadsHourlyGold;
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
            var start = plan.Start;
            var end = plan.End;
            where.Append("\"HOUR\" >= ? AND \"HOUR\" < ?");
            bindings.Add(SnowflakeBinding.TimestampNtz(start));
            bindings.Add(SnowflakeBinding.TimestampNtz(end));
            period = query.Grain switch
            {
                ReportGrain.Hour => "\"HOUR\"",
                ReportGrain.Day => LocalDate(plan, bindings),
                ReportGrain.Month => $"DATE_TRUNC('MONTH', {LocalDate(plan, bindings)})",
                _ => null,
            };
        }

        foreach (var (dimension, distinct) in plan.Filters)
        {
            where.Append(" AND ").Append(Column(dimension)).Append(" IN (");
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

        groupColumns.AddRange(query.GroupBy.Select(d => $"{Column(d)} AS \"{ReportNames.Of(d)}\""));
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
            ORDER BY {OrderBy(plan)}
            LIMIT ?
            """;
        bindings.Add(SnowflakeBinding.Fixed(query.Limit));
        return new CompiledSnowflakeReport(sql, bindings, plan);
    }

    /// <summary>A dimension's gold column as Snowflake stores it: upper case, quoted.</summary>
    private static string Column(ReportDimension dimension) => "\"" + ReportNames.GoldColumnOf(dimension).ToUpperInvariant() + "\"";

    /// <summary>The statement that reads the newest event time, when a freshness table is configured.</summary>
    public static string? FreshnessSql(SnowflakeOptions options) =>
        string.IsNullOrWhiteSpace(options.FreshnessTable)
            ? null
            : $"SELECT MAX({SnowflakeIdentifier.Quote(options.FreshnessColumn)}) FROM {SnowflakeIdentifier.Quote(options.FreshnessTable)}";

    /// <summary>
    /// Local date of an hourly bucket: its UTC start plus the zone's offset at that instant. The offset is piecewise constant
    /// over the range, so it is a CASE over bound change points and bound offsets (exact for DST and half-hour zones).
    /// </summary>
    private static string LocalDate(ReportQueryPlan plan, List<SnowflakeBinding> bindings)
    {
        var segments = plan.OffsetSegments;
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

    private static string OrderBy(ReportQueryPlan plan)
    {
        // Only canonical names from the plan reach the SQL, never the caller's text.
        var keys = plan.SortKeys.Select(k => k.Descending ? $"\"{k.Column}\" DESC NULLS LAST" : $"\"{k.Column}\" ASC NULLS FIRST").ToList();
        return keys.Count == 0 ? "1" : string.Join(", ", keys);
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
