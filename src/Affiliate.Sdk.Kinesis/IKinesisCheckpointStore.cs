namespace Affiliate.Sdk.Kinesis;

/// <summary>
/// Where the source keeps, per shard, its lease (which worker reads it, until when) and its checkpoint. Writes are
/// conditional on a version, like a DynamoDB conditional put, so workers on many machines can share one store. The
/// default keeps one file per stream in <see cref="KinesisOptions.CheckpointDirectory"/>; register your own
/// implementation to share leases across machines.
/// </summary>
public interface IKinesisCheckpointStore
{
    /// <summary>Reads every shard record of a stream.</summary>
    /// <param name="streamName">The stream.</param>
    /// <param name="cancellationToken">Stops the read.</param>
    /// <returns>The records, in any order.</returns>
    ValueTask<IReadOnlyList<KinesisShardLease>> ListAsync(string streamName, CancellationToken cancellationToken);

    /// <summary>
    /// Durably writes a shard record if the stored one's version is <c>lease.Version - 1</c> (a missing record counts
    /// as version 0); otherwise writes nothing.
    /// </summary>
    /// <param name="streamName">The stream.</param>
    /// <param name="lease">The new record, its version one above the one it replaces.</param>
    /// <param name="cancellationToken">Stops the write.</param>
    /// <returns>Whether the record was written (false: another worker changed it first).</returns>
    ValueTask<bool> TryWriteAsync(string streamName, KinesisShardLease lease, CancellationToken cancellationToken);
}

/// <summary>A shard's position: the last record processed, and which of its aggregated sub-records.</summary>
/// <param name="SequenceNumber">The Kinesis sequence number of the last record processed.</param>
/// <param name="SubSequenceNumber">The index of the last processed user record inside it (0 for a plain record).</param>
/// <param name="RecordComplete">Whether every user record of that Kinesis record is processed (resume after it).</param>
public sealed record KinesisShardCheckpoint(string SequenceNumber, long SubSequenceNumber, bool RecordComplete);

/// <summary>A shard's lease and checkpoint as stored.</summary>
/// <param name="ShardId">The shard.</param>
/// <param name="Owner">The worker holding the lease, or <see langword="null"/> when free.</param>
/// <param name="ExpiresAt">When the lease lapses unless renewed.</param>
/// <param name="PendingOwner">A worker that asked for the lease; the owner hands it over after its current batch.</param>
/// <param name="Checkpoint">The last committed position, if any.</param>
/// <param name="ShardEnded">Whether the (closed) shard was read and committed to its end; its children may start.</param>
/// <param name="Version">Increases by one on every write.</param>
public sealed record KinesisShardLease(string ShardId, string? Owner, DateTimeOffset ExpiresAt, string? PendingOwner, KinesisShardCheckpoint? Checkpoint, bool ShardEnded, long Version);
