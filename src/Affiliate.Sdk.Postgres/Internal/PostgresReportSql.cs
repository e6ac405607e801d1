using System.Globalization;
using System.Text;
using Affiliate.Sdk.Reports;
using Npgsql;
using NpgsqlTypes;

namespace Affiliate.Sdk.Postgres.Internal;

/// <summary>A compiled report: SQL text built only from whitelisted fragments, and the bound values.</summary>
internal sealed record CompiledReport(string RowsSql, IReadOnlyList<NpgsqlParameter> Parameters, ReportQueryPlan Plan);

/// <summary>
/// Compiles a <see cref="ReportQuery"/> to PostgreSQL over the loaded gold, with the semantics of docs/reports.md (the same
/// answers as the DuckDB client). Identifiers come from fixed tables keyed by enums; every value is an
/// <see cref="NpgsqlParameter"/>. Text columns use the "C" collation, so sort order is byte order as in DuckDB.
/// </summary>
internal static class PostgresReportSql
{
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
        var plan = ReportQueryPlan.Create(query);
        var zone = plan.TimeZone;
        var hourly = plan.ReadsHourlyGold;

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
            var start = plan.Start;
            var end = plan.End;
            where.Append("hour >= @start AND hour < @end");
            parameters.Add(new NpgsqlParameter("start", NpgsqlDbType.TimestampTz) { Value = start.UtcDateTime });
            parameters.Add(new NpgsqlParameter("end", NpgsqlDbType.TimestampTz) { Value = end.UtcDateTime });
            period = query.Grain switch
            {
                ReportGrain.Hour => "hour",
                ReportGrain.Day => LocalDate(plan, parameters),
                ReportGrain.Month => $"date_trunc('month', {LocalDate(plan, parameters)})::date",
                _ => null,
            };
        }

        var filterIndex = 0;
        foreach (var (dimension, values) in plan.Filters)
        {
            var name = "f" + filterIndex++.ToString(CultureInfo.InvariantCulture);
            where.Append(CultureInfo.InvariantCulture, $" AND {ReportNames.GoldColumnOf(dimension)} = ANY(@{name})");
            parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = values.ToArray() });
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
            groupColumns.Add($"{ReportNames.GoldColumnOf(dimension)} AS {ReportNames.Of(dimension)}");
            groupKeys.Add(ReportNames.GoldColumnOf(dimension));
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
            ORDER BY {OrderBy(plan)}
            LIMIT @limit
            """;
        parameters.Add(new NpgsqlParameter("limit", NpgsqlDbType.Integer) { Value = query.Limit });
        return new CompiledReport(rows, parameters, plan);
    }

    /// <summary>
    /// Local date of an hourly bucket: its UTC start plus the zone's offset at that instant. The offset is piecewise constant
    /// over the range, so it is a CASE over bound change points computed with .NET's zone data (the data the query was
    /// validated with, not the server's).
    /// </summary>
    private static string LocalDate(ReportQueryPlan plan, List<NpgsqlParameter> parameters)
    {
        var segments = plan.OffsetSegments;
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

    private static string OrderBy(ReportQueryPlan plan)
    {
        var keys = plan.SortKeys.Select(k => k.Descending ? $"{k.Column} DESC NULLS LAST" : $"{k.Column} ASC NULLS FIRST").ToList();
        return keys.Count == 0 ? "1" : string.Join(", ", keys);
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
