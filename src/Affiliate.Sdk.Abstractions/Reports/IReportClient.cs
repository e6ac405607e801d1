namespace Affiliate.Sdk.Reports;

/// <summary>One report row: the bucket, the dimension values and the metric values.</summary>
/// <param name="Period">Start of the time bucket in the query's time zone (ISO-8601 local date or date-time); <see langword="null"/> for <see cref="ReportGrain.Total"/>.</param>
/// <param name="Dimensions">Value of each grouped dimension (<see langword="null"/> where the event had none).</param>
/// <param name="Metrics">Value of each requested metric.</param>
public sealed record ReportRow(
    string? Period,
    IReadOnlyDictionary<ReportDimension, string?> Dimensions,
    IReadOnlyDictionary<ReportMetric, decimal> Metrics);

/// <summary>The answer to a <see cref="ReportQuery"/>.</summary>
/// <param name="Rows">The rows, ordered and limited as asked.</param>
/// <param name="Totals">The metrics over every row matching the filters (before the limit).</param>
/// <param name="Freshness">Time of the newest event included in gold (UTC), if any.</param>
public sealed record ReportResult(IReadOnlyList<ReportRow> Rows, IReadOnlyDictionary<ReportMetric, decimal> Totals, DateTimeOffset? Freshness);

/// <summary>Answers affiliate reports from gold. Implementations compile the query to parameterised SQL.</summary>
public interface IReportClient
{
    /// <summary>Runs a report.</summary>
    /// <param name="query">The query; invalid queries throw <see cref="ArgumentException"/> naming the problem.</param>
    /// <param name="cancellationToken">Stops the query.</param>
    /// <returns>The rows and totals.</returns>
    ValueTask<ReportResult> QueryAsync(ReportQuery query, CancellationToken cancellationToken);
}
