using System.Data;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Affiliate.Sdk.Postgres.Internal;
using Affiliate.Sdk.Reports;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Affiliate.Sdk.Postgres;

/// <summary>
/// Answers <see cref="ReportQuery"/> from gold loaded into PostgreSQL by <see cref="PostgresGoldLoader"/>, with parameterised
/// SQL and the same answers as the DuckDB client (docs/reports.md). Money is exact (numeric). Each query runs in a read-only
/// repeatable-read transaction, so rows, totals and freshness come from one committed load.
/// </summary>
public sealed class PostgresReportClient : IReportClient
{
    private static readonly ActivitySource Activities = new(PostgresTelemetry.Name);
    private readonly NpgsqlDataSource _dataSource;
    private readonly PostgresReportsOptions _options;
    private readonly string _s;
    private readonly SchemaGate _schema;
    private readonly Histogram<double>? _duration;

    /// <summary>Creates a client over the report database.</summary>
    /// <param name="dataSource">The report database.</param>
    /// <param name="options">Schema and timeouts.</param>
    /// <param name="meterFactory">Creates the <c>Affiliate.Sdk.Postgres</c> meter, if any.</param>
    public PostgresReportClient(NpgsqlDataSource dataSource, IOptions<PostgresReportsOptions> options, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(options);
        _dataSource = dataSource;
        _options = options.Value;
        _s = PostgresMigrations.Quote(_options.Schema);
        _schema = SchemaGate.For(dataSource, _options.Schema);
        _duration = meterFactory?.Create(PostgresTelemetry.Name)
            .CreateHistogram<double>("affiliate.sdk.postgres.report.duration", "s", "Duration of report queries on PostgreSQL.");
    }

    /// <inheritdoc />
    public async ValueTask<ReportResult> QueryAsync(ReportQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var compiled = PostgresReportSql.Compile(query, _s);
        using var activity = Activities.StartActivity("postgres report");
        var started = Stopwatch.GetTimestamp();
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);

        var metrics = compiled.Plan.Metrics;
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var rows = new List<ReportRow>();
                var totals = default(ReportSums);
                var rowsCommand = new NpgsqlCommand(compiled.RowsSql, connection, transaction);
                await using (rowsCommand.ConfigureAwait(false))
                {
                    var command = rowsCommand;
                    command.CommandTimeout = _options.CommandTimeoutSeconds;
                    foreach (var parameter in compiled.Parameters)
                    {
                        command.Parameters.Add(parameter);
                    }

                    var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        var plan = compiled.Plan;
                        Func<int, object?> column = reader.GetValue;
                        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                        {
                            rows.Add(plan.ReadRow(plan.HasPeriod ? FormatPeriod(reader, plan) : null, column));
                            if (rows.Count == 1)
                            {
                                totals = plan.ReadTotals(column);
                            }
                        }
                    }
                }

                DateTimeOffset? freshness = null;
                var freshnessCommand = new NpgsqlCommand($"SELECT freshness FROM {_s}.load_state WHERE id = 1", connection, transaction);
                await using (freshnessCommand.ConfigureAwait(false))
                {
                    var command = freshnessCommand;
                    if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is DateTime f)
                    {
                        freshness = new DateTimeOffset(DateTime.SpecifyKind(f, DateTimeKind.Utc));
                    }
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                _duration?.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
                return new ReportResult(rows, totals.ValuesOf(metrics), freshness);
            }
        }
    }

    private static string FormatPeriod(NpgsqlDataReader reader, ReportQueryPlan plan) =>
        plan.Query.Grain == ReportGrain.Hour
            ? plan.FormatHour(new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(0), DateTimeKind.Utc)))
            : plan.FormatDate(reader.GetFieldValue<DateOnly>(0));
}
