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
        var metrics = query.Metrics.Count == 0 ? ReportNames.AllMetrics : query.Metrics.Distinct().ToList();

        var rows = new List<ReportRow>();
        var totals = ReportTotals.Zero;
        using (var command = Command(connection, compiled.RowsSql, compiled.Parameters))
        {
            using var registration = cancellationToken.Register(command.Cancel);
            using var reader = command.ExecuteReader();
            var hasPeriod = query.Grain != ReportGrain.Total;
            var firstMetric = (hasPeriod ? 1 : 0) + query.GroupBy.Count;
            while (reader.Read())
            {
                var period = hasPeriod ? FormatPeriod(reader, compiled, query.Grain) : null;
                var dimensions = new Dictionary<ReportDimension, string?>(query.GroupBy.Count);
                for (var i = 0; i < query.GroupBy.Count; i++)
                {
                    var ordinal = (hasPeriod ? 1 : 0) + i;
                    dimensions[query.GroupBy[i]] = reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
                }

                rows.Add(new ReportRow(period, dimensions, ReadMetrics(reader, firstMetric, metrics)));
                if (rows.Count == 1)
                {
                    totals = ReportTotals.Read(reader, firstMetric + ReportNames.AllMetrics.Count);
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
        return new ReportResult(rows, totals.Metrics(metrics), freshness);
    }

    private static Dictionary<ReportMetric, decimal> ReadMetrics(DbDataReader reader, int first, IReadOnlyList<ReportMetric> metrics)
    {
        var values = new Dictionary<ReportMetric, decimal>(metrics.Count);
        foreach (var metric in metrics)
        {
            // Metric columns follow ReportNames.AllMetrics order (see ReportSqlCompiler.Metrics).
            var ordinal = first + ((int)metric - 1);
            values[metric] = reader.IsDBNull(ordinal) ? 0m : Convert.ToDecimal(reader.GetValue(ordinal), CultureInfo.InvariantCulture);
        }

        return values;
    }

    /// <summary>The additive totals over every matching row (window sums before the limit); ratios from them.</summary>
    private readonly record struct ReportTotals(
        long Impressions, long Clicks, long UniqueClicks, long BotClicks, long Conversions, long Pending, long Rejected, decimal Revenue, decimal Payout)
    {
        public static ReportTotals Zero => default;

        public static ReportTotals Read(DbDataReader reader, int first)
        {
            long L(int i) => reader.IsDBNull(first + i) ? 0 : Convert.ToInt64(reader.GetValue(first + i), CultureInfo.InvariantCulture);
            decimal D(int i) => reader.IsDBNull(first + i) ? 0m : reader.GetDecimal(first + i);
            return new(L(0), L(1), L(2), L(3), L(4), L(5), L(6), D(7), D(8));
        }

        public Dictionary<ReportMetric, decimal> Metrics(IReadOnlyList<ReportMetric> asked)
        {
            var values = new Dictionary<ReportMetric, decimal>(asked.Count);
            foreach (var metric in asked)
            {
                values[metric] = metric switch
                {
                    ReportMetric.Impressions => Impressions,
                    ReportMetric.Clicks => Clicks,
                    ReportMetric.UniqueClicks => UniqueClicks,
                    ReportMetric.BotClicks => BotClicks,
                    ReportMetric.Conversions => Conversions,
                    ReportMetric.PendingConversions => Pending,
                    ReportMetric.RejectedConversions => Rejected,
                    ReportMetric.Revenue => Revenue,
                    ReportMetric.Payout => Payout,
                    ReportMetric.Profit => Revenue - Payout,
                    ReportMetric.ConversionRate => Ratio(Conversions, Clicks),
                    ReportMetric.EarningsPerClick => Ratio(Payout, Clicks),
                    ReportMetric.ClickThroughRate => Ratio(Clicks, Impressions),
                    _ => 0m,
                };
            }

            return values;
        }

        // Same rule as the SQL ratios: 0 for a zero denominator, 6 places half away from zero.
        private static decimal Ratio(decimal numerator, long denominator) =>
            denominator == 0 ? 0m : Math.Round(numerator / denominator, 6, MidpointRounding.AwayFromZero);
    }

    private static string FormatPeriod(DbDataReader reader, CompiledReport compiled, ReportGrain grain)
    {
        if (compiled.PeriodIsUtcHour)
        {
            var utc = new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(0), DateTimeKind.Utc));
            var local = TimeZoneInfo.ConvertTime(utc, compiled.TimeZone);
            return local.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
        }

        var date = reader.GetFieldValue<DateOnly>(0);
        return grain == ReportGrain.Month
            ? date.ToString("yyyy-MM", CultureInfo.InvariantCulture)
            : date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    }

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
