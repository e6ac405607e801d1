using System.Globalization;
using System.Text;
using Affiliate.Sdk.Reports;

namespace Affiliate.Sdk.DuckDb.Reports;

/// <summary>A compiled report: constant SQL text built only from whitelisted names, and the bound values.</summary>
internal sealed record CompiledReport(
    string RowsSql,
    IReadOnlyList<(string Name, object Value)> Parameters,
    ReportQueryPlan Plan);

/// <summary>
/// Compiles a <see cref="ReportQuery"/> to DuckDB SQL over gold. Identifiers come from fixed tables keyed by enums; every
/// value (dates, instants, offsets, filter lists, limit) is a parameter. See docs/reports.md.
/// </summary>
internal static class ReportSqlCompiler
{
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

    public static CompiledReport Compile(ReportQuery query)
    {
        var plan = ReportQueryPlan.Create(query);
        var zone = plan.TimeZone;
        var hourly = plan.ReadsHourlyGold;

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
            var start = plan.Start;
            var end = plan.End;
            where.Append("hour >= $start AND hour < $end");
            parameters.Add(("start", start));
            parameters.Add(("end", end));
            period = query.Grain switch
            {
                ReportGrain.Hour => "hour",
                ReportGrain.Day => LocalDate(plan, parameters),
                ReportGrain.Month => $"CAST(date_trunc('month', {LocalDate(plan, parameters)}) AS DATE)",
                _ => null,
            };
        }

        var filterIndex = 0;
        foreach (var (dimension, values) in plan.Filters)
        {
            var name = "f" + filterIndex++.ToString(CultureInfo.InvariantCulture);
            where.Append(CultureInfo.InvariantCulture, $" AND list_contains(${name}, {ReportNames.GoldColumnOf(dimension)})");
            parameters.Add((name, values.ToList()));
        }

        var groupColumns = new List<string>();
        if (period is not null)
        {
            groupColumns.Add($"{period} AS period");
        }

        groupColumns.AddRange(query.GroupBy.Select(d => $"{ReportNames.GoldColumnOf(d)} AS {ReportNames.Of(d)}"));
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
            ORDER BY {OrderBy(plan)}
            LIMIT $limit
            """;
        parameters.Add(("limit", query.Limit));

        return new CompiledReport(rows, parameters, plan);
    }

    /// <summary>
    /// Local date of an hourly bucket: its UTC start plus the zone's offset at that instant, as whole days since the
    /// epoch (integer arithmetic; TIMESTAMPTZ casts would go through ICU per row). The offset is piecewise constant over
    /// the range, so it is a CASE over bound change points (exact for DST and half-hour zones).
    /// </summary>
    private static string LocalDate(ReportQueryPlan plan, List<(string, object)> parameters)
    {
        var segments = plan.OffsetSegments;
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

    private static string OrderBy(ReportQueryPlan plan)
    {
        var keys = plan.SortKeys.Select(k => k.Descending ? $"{k.Column} DESC NULLS LAST" : $"{k.Column} ASC NULLS FIRST").ToList();
        return keys.Count == 0 ? "1" : string.Join(", ", keys);
    }

    private static string Ratio(string numerator, string denominator) =>
        $"""
        CASE WHEN {denominator} = 0 THEN CAST(0 AS DECIMAL(38,6)) ELSE CAST(CAST(
            CASE WHEN {numerator} >= 0 THEN (2 * {numerator} + {denominator}) // (2 * {denominator})
                 ELSE -((2 * -({numerator}) + {denominator}) // (2 * {denominator})) END
            AS DECIMAL(38,0)) * CAST(0.000001 AS DECIMAL(7,6)) AS DECIMAL(38,6)) END
        """;
}
