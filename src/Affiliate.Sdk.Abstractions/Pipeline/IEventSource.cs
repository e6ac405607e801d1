namespace Affiliate.Sdk.Pipeline;

/// <summary>One raw record read from a stream, with where it came from.</summary>
/// <param name="Payload">The bytes as stored (normally one JSON event); malformed payloads go to the lake's rejects.</param>
/// <param name="Partition">The partition or shard it was read from.</param>
/// <param name="Position">Its position in that partition (offset, or sequence number and sub-sequence).</param>
/// <param name="Timestamp">The stream's timestamp of the record, if it has one.</param>
public readonly record struct SourceRecord(ReadOnlyMemory<byte> Payload, string Partition, string Position, DateTimeOffset? Timestamp);

/// <summary>
/// A position in a stream per partition, opaque to the caller. Committing it declares every record up to and
/// including these positions processed.
/// </summary>
/// <param name="Positions">Partition → position of the last record processed.</param>
public sealed record SourceCheckpoint(IReadOnlyDictionary<string, string> Positions)
{
    /// <summary>A checkpoint that covers nothing.</summary>
    public static SourceCheckpoint Empty { get; } = new(new Dictionary<string, string>());
}

/// <summary>Records read in one call, and the checkpoint that covers them.</summary>
/// <param name="Records">The records, in stream order within each partition.</param>
/// <param name="Checkpoint">Commit this after the records are safely stored.</param>
public sealed record SourceBatch(IReadOnlyList<SourceRecord> Records, SourceCheckpoint Checkpoint);

/// <summary>
/// Reads the stream (stream → lake) with explicit checkpoints: nothing is considered done until
/// <see cref="CommitAsync"/>, so a crash replays from the last commit (at-least-once).
/// </summary>
public interface IEventSource : IAsyncDisposable
{
    /// <summary>A name for logs and metrics (stream, topic or log name).</summary>
    string Name { get; }

    /// <summary>Reads the next records after what this reader has already returned.</summary>
    /// <param name="maxRecords">The most records to return.</param>
    /// <param name="maxWait">How long to wait for the first record before returning an empty batch.</param>
    /// <param name="cancellationToken">Stops the read.</param>
    /// <returns>The records; empty when none arrived within <paramref name="maxWait"/>.</returns>
    ValueTask<SourceBatch> ReadAsync(int maxRecords, TimeSpan maxWait, CancellationToken cancellationToken);

    /// <summary>Durably records that everything up to the checkpoint is processed.</summary>
    /// <param name="checkpoint">A checkpoint from a batch this reader returned.</param>
    /// <param name="cancellationToken">Stops the commit.</param>
    /// <returns>Completes when the checkpoint is durable.</returns>
    ValueTask CommitAsync(SourceCheckpoint checkpoint, CancellationToken cancellationToken);
}
