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
        var plan = compiled.Plan;
        var metrics = plan.Metrics;

        // UTC session: TIMESTAMP_NTZ bindings and gold's hour column then mean the same instants whatever the account's zone.
        var statement = new SnowflakeStatement(compiled.Sql, compiled.Bindings) { Parameters = UtcSession };
        var result = await _client.ExecuteAsync(statement, cancellationToken).ConfigureAwait(false);
        var rows = new List<ReportRow>();
        ReportSums? totals = null;
        await foreach (var row in _client.ReadRowsAsync(result, cancellationToken).ConfigureAwait(false))
        {
            rows.Add(plan.ReadRow(plan.HasPeriod ? FormatPeriod(row[0], plan) : null, i => row[i]));
            totals ??= plan.ReadTotals(i => row[i]);
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

        return new ReportResult(rows, (totals ?? default).ValuesOf(metrics), freshness);
    }

    private static string? FormatPeriod(object? value, ReportQueryPlan plan)
    {
        if (plan.Query.Grain == ReportGrain.Hour)
        {
            return plan.FormatHour(value is DateTimeOffset instant ? instant : throw new FormatException("The hour column did not come back as a timestamp."));
        }

        return plan.FormatDate(value switch
        {
            DateOnly d => d,
            DateTimeOffset t => DateOnly.FromDateTime(t.UtcDateTime),
            _ => throw new FormatException("The period column did not come back as a date."),
        });
    }
}
