namespace Affiliate.Sdk.Pipeline;

/// <summary>What one medallion run did.</summary>
/// <param name="BronzeFilesProcessed">New bronze files read.</param>
/// <param name="GoldPartitionsWritten">Gold partitions rewritten.</param>
/// <param name="Freshness">Time of the newest event now included in gold (UTC), if any.</param>
/// <param name="Elapsed">How long the run took.</param>
public sealed record MedallionRunResult(int BronzeFilesProcessed, int GoldPartitionsWritten, DateTimeOffset? Freshness, TimeSpan Elapsed);

/// <summary>
/// Runs bronze → silver → gold. Runs are incremental and idempotent: gold is a function of the set of distinct
/// events, whatever their arrival order, duplication or batching, and re-running changes nothing.
/// </summary>
public interface IMedallionEngine
{
    /// <summary>Processes bronze files that arrived since the last run.</summary>
    /// <param name="cancellationToken">Stops the run; partial output is never made visible.</param>
    /// <returns>What the run did.</returns>
    ValueTask<MedallionRunResult> RunAsync(CancellationToken cancellationToken);
}
