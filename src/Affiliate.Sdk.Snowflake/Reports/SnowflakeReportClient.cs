using System.Globalization;
using Affiliate.Sdk.Reports;
using Affiliate.Sdk.Snowflake.Reports;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.Snowflake;

/// <summary>
/// Answers <see cref="ReportQuery"/> from gold on Snowflake (the tables named by <see cref="SnowflakeOptions.GoldHourlyTable"/>
/// and <see cref="SnowflakeOptions.GoldDailyTable"/>) through an <see cref="ISnowflakeSqlClient"/>, with every value bound.
/// Same semantics as the DuckDB report client (docs/reports.md). Safe for concurrent use.
/// </summary>
public sealed class SnowflakeReportClient : IReportClient
{
    private static readonly Dictionary<string, string> UtcSession = new() { ["TIMEZONE"] = "UTC" };
    private readonly ISnowflakeSqlClient _client;
    private readonly IOptionsMonitor<SnowflakeOptions> _options;

    /// <summary>Creates the report client.</summary>
    /// <param name="client">Runs the SQL.</param>
    /// <param name="options">Table names and the optional freshness source.</param>
    public SnowflakeReportClient(ISnowflakeSqlClient client, IOptionsMonitor<SnowflakeOptions> options)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        _client = client;
        _options = options;
    }

    /// <inheritdoc />
    public async ValueTask<ReportResult> QueryAsync(ReportQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var options = _options.CurrentValue;
        var compiled = SnowflakeReportSqlCompiler.Compile(query, options);
        var metrics = query.Metrics.Count == 0 ? ReportNames.AllMetrics : query.Metrics.Distinct().ToList();

        // UTC session: TIMESTAMP_NTZ bindings and gold's hour column then mean the same instants whatever the account's zone.
        var statement = new SnowflakeStatement(compiled.Sql, compiled.Bindings) { Parameters = UtcSession };
        var result = await _client.ExecuteAsync(statement, cancellationToken).ConfigureAwait(false);
        var rows = new List<ReportRow>();
        decimal[]? totals = null;
        var firstMetric = (compiled.HasPeriod ? 1 : 0) + query.GroupBy.Count;
        var all = ReportNames.AllMetrics.Count;
        await foreach (var row in _client.ReadRowsAsync(result, cancellationToken).ConfigureAwait(false))
        {
            var period = compiled.HasPeriod ? FormatPeriod(row[0], compiled, query.Grain) : null;
            var dimensions = new Dictionary<ReportDimension, string?>(query.GroupBy.Count);
            for (var i = 0; i < query.GroupBy.Count; i++)
            {
                dimensions[query.GroupBy[i]] = row[(compiled.HasPeriod ? 1 : 0) + i]?.ToString();
            }

            var values = new Dictionary<ReportMetric, decimal>(metrics.Count);
            foreach (var metric in metrics)
            {
                // Metric columns follow ReportNames.AllMetrics order.
                values[metric] = Decimal(row[firstMetric + ((int)metric - 1)]);
            }

            rows.Add(new ReportRow(period, dimensions, values));
            totals ??= [.. Enumerable.Range(firstMetric + all, 9).Select(i => Decimal(row[i]))];
        }

        DateTimeOffset? freshness = null;
        if (SnowflakeReportSqlCompiler.FreshnessSql(options) is { } freshnessSql)
        {
            var fresh = await _client.ExecuteAsync(new SnowflakeStatement(freshnessSql) { Parameters = UtcSession }, cancellationToken).ConfigureAwait(false);
            await foreach (var row in _client.ReadRowsAsync(fresh, cancellationToken).ConfigureAwait(false))
            {
                freshness = row.Length > 0 && row[0] is DateTimeOffset f ? f : null;
            }
        }

        return new ReportResult(rows, Totals(totals ?? new decimal[9], metrics), freshness);
    }

    private static decimal Decimal(object? value) => value switch
    {
        null => 0m,
        decimal d => d,
        _ => System.Convert.ToDecimal(value, CultureInfo.InvariantCulture),
    };

    /// <summary>Metrics from the nine additive totals; ratios as in SQL (0 for a zero denominator, 6 places half away from zero).</summary>
    private static Dictionary<ReportMetric, decimal> Totals(decimal[] t, IReadOnlyList<ReportMetric> asked)
    {
        var values = new Dictionary<ReportMetric, decimal>(asked.Count);
        foreach (var metric in asked)
        {
            values[metric] = metric switch
            {
                ReportMetric.Profit => t[7] - t[8],
                ReportMetric.ConversionRate => Ratio(t[4], t[1]),
                ReportMetric.EarningsPerClick => Ratio(t[8], t[1]),
                ReportMetric.ClickThroughRate => Ratio(t[1], t[0]),
                _ => t[(int)metric - 1],
            };
        }

        return values;
    }

    private static decimal Ratio(decimal numerator, decimal denominator) =>
        denominator == 0 ? 0m : Math.Round(numerator / denominator, 6, MidpointRounding.AwayFromZero);

    private static string? FormatPeriod(object? value, CompiledSnowflakeReport compiled, ReportGrain grain)
    {
        if (compiled.PeriodIsUtcHour)
        {
            var utc = value is DateTimeOffset instant ? instant : throw new FormatException("The hour column did not come back as a timestamp.");
            return TimeZoneInfo.ConvertTime(utc, compiled.TimeZone).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
        }

        var date = value switch
        {
            DateOnly d => d,
            DateTimeOffset t => DateOnly.FromDateTime(t.UtcDateTime),
            _ => throw new FormatException("The period column did not come back as a date."),
        };
        return grain == ReportGrain.Month
            ? date.ToString("yyyy-MM", CultureInfo.InvariantCulture)
            : date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    }
}
