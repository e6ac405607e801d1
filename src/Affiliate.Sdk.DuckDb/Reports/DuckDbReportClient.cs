using System.Data.Common;
using System.Globalization;
using Affiliate.Sdk.DuckDb.Internal;
using Affiliate.Sdk.DuckDb.Reports;
using Affiliate.Sdk.Reports;
using DuckDB.NET.Data;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.DuckDb;

/// <summary>
/// Answers <see cref="ReportQuery"/> from the DuckDB engine's gold tables with parameterised SQL (docs/reports.md).
/// Safe for concurrent use: each query runs on its own connection and sees one committed snapshot.
/// </summary>
public sealed class DuckDbReportClient : IReportClient, IDisposable
{
    private readonly DuckDbMedallionOptions _options;
    private readonly Lock _sync = new();
    private DuckDBConnection? _anchor;
    private bool _disposed;

    /// <summary>Creates a client over the engine's database.</summary>
    /// <param name="options">Where the engine keeps its state.</param>
    public DuckDbReportClient(IOptions<DuckDbMedallionOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
    }

    /// <inheritdoc />
    public async ValueTask<ReportResult> QueryAsync(ReportQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var compiled = ReportSqlCompiler.Compile(query);
        await Task.Yield();
        return Run(query, compiled, cancellationToken);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_sync)
        {
            _disposed = true;
            _anchor?.Dispose();
            _anchor = null;
        }
    }

    private ReportResult Run(ReportQuery query, CompiledReport compiled, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_sync)
        {
            // Keeps the database instance open between queries; per-query connections are then cheap.
            ObjectDisposedException.ThrowIf(_disposed, this);
            _anchor ??= DuckDbDatabase.Open(_options);
        }

        using var connection = DuckDbDatabase.Open(_options, ensureSchema: false);
        using var transaction = connection.BeginTransaction();
        var metrics = compiled.Plan.Metrics;

        var rows = new List<ReportRow>();
        var totals = default(ReportSums);
        using (var command = Command(connection, compiled.RowsSql, compiled.Parameters))
        {
            using var registration = cancellationToken.Register(command.Cancel);
            using var reader = command.ExecuteReader();
            var plan = compiled.Plan;
            Func<int, object?> column = reader.GetValue;
            while (reader.Read())
            {
                rows.Add(plan.ReadRow(plan.HasPeriod ? FormatPeriod(reader, plan) : null, column));
                if (rows.Count == 1)
                {
                    totals = plan.ReadTotals(column);
                }
            }
        }

        DateTimeOffset? freshness = null;
        using (var command = Command(connection, "SELECT max(freshness) FROM medallion_runs", []))
        {
            if (command.ExecuteScalar() is DateTime f)
            {
                freshness = new DateTimeOffset(DateTime.SpecifyKind(f, DateTimeKind.Utc));
            }
        }

        transaction.Commit();
        return new ReportResult(rows, totals.ValuesOf(metrics), freshness);
    }

    private static string FormatPeriod(DbDataReader reader, ReportQueryPlan plan) =>
        plan.Query.Grain == ReportGrain.Hour
            ? plan.FormatHour(new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(0), DateTimeKind.Utc)))
            : plan.FormatDate(reader.GetFieldValue<DateOnly>(0));

    private static DuckDBCommand Command(DuckDBConnection connection, string compiledSql, IReadOnlyList<(string Name, object Value)> parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = compiledSql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.Add(new DuckDBParameter(name, value));
        }

        return command;
    }
}
