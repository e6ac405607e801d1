using Affiliate.Sdk.Events;

namespace Affiliate.Sdk.Pipeline;

/// <summary>Where a bronze row came from: the ingestion facts stored beside the event.</summary>
/// <param name="Source">The stream's name.</param>
/// <param name="Partition">Partition or shard.</param>
/// <param name="Position">Offset or sequence number.</param>
/// <param name="LandedAt">When the lake received it (UTC).</param>
public sealed record IngestionInfo(string Source, string Partition, string Position, DateTimeOffset LandedAt);

/// <summary>An accepted event on its way to bronze.</summary>
/// <param name="Event">The event.</param>
/// <param name="Ingestion">Where it came from.</param>
public sealed record BronzeRecord(TrackingEvent Event, IngestionInfo Ingestion);

/// <summary>A record that could not be accepted, kept with its original bytes and the reason.</summary>
/// <param name="Payload">The bytes as read.</param>
/// <param name="Reason">Why it was rejected.</param>
/// <param name="Ingestion">Where it came from.</param>
public sealed record RejectedRecord(ReadOnlyMemory<byte> Payload, string Reason, IngestionInfo Ingestion);

/// <summary>What a lake flush made visible.</summary>
/// <param name="Files">The keys of the committed files.</param>
/// <param name="Rows">Accepted rows committed.</param>
/// <param name="Rejects">Rejected rows committed.</param>
public sealed record LakeCommit(IReadOnlyList<string> Files, long Rows, long Rejects);

/// <summary>
/// Writes bronze: buffers appended rows into files (rolled by size, rows and age) and makes them visible
/// atomically on <see cref="FlushAsync"/>. Only after a flush may the source checkpoint be committed.
/// </summary>
public interface ILakeWriter : IAsyncDisposable
{
    /// <summary>Adds rows to the open files.</summary>
    /// <param name="records">Accepted events.</param>
    /// <param name="rejects">Malformed records with their reasons.</param>
    /// <param name="cancellationToken">Stops the append.</param>
    /// <returns>Completes when the rows are buffered (not yet visible).</returns>
    ValueTask AppendAsync(IReadOnlyList<BronzeRecord> records, IReadOnlyList<RejectedRecord> rejects, CancellationToken cancellationToken);

    /// <summary>Whether an open file has reached its size, row or age limit and should be flushed.</summary>
    bool FlushDue { get; }

    /// <summary>Commits everything appended so far as complete, visible files.</summary>
    /// <param name="cancellationToken">Stops the flush; nothing partial becomes visible.</param>
    /// <returns>What became visible.</returns>
    ValueTask<LakeCommit> FlushAsync(CancellationToken cancellationToken);
}
