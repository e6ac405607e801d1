namespace Affiliate.Sdk.Kinesis;

/// <summary>
/// The few Kinesis Data Streams operations the adapter uses. The default speaks the Kinesis JSON API over HTTP with
/// SigV4; register your own implementation (for example over another AWS client) to replace it.
/// </summary>
public interface IKinesisClient
{
    /// <summary>Writes records in one PutRecords call; the result says, per entry, where it went or why it failed.</summary>
    /// <param name="streamName">The stream.</param>
    /// <param name="records">At most 500 entries within the call's size limits.</param>
    /// <param name="cancellationToken">Stops the call.</param>
    /// <returns>One result per entry, in the same order.</returns>
    /// <exception cref="KinesisException">The whole call failed.</exception>
    Task<KinesisPutRecordsResult> PutRecordsAsync(string streamName, IReadOnlyList<KinesisPutRecordsEntry> records, CancellationToken cancellationToken);

    /// <summary>Lists every shard of the stream (open and closed, with their parents), following pagination.</summary>
    /// <param name="streamName">The stream.</param>
    /// <param name="cancellationToken">Stops the call.</param>
    /// <returns>The shards.</returns>
    Task<IReadOnlyList<KinesisShard>> ListShardsAsync(string streamName, CancellationToken cancellationToken);

    /// <summary>Gets a shard iterator.</summary>
    /// <param name="streamName">The stream.</param>
    /// <param name="shardId">The shard.</param>
    /// <param name="iteratorType"><c>TRIM_HORIZON</c>, <c>AT_SEQUENCE_NUMBER</c>, <c>AFTER_SEQUENCE_NUMBER</c> or <c>LATEST</c>.</param>
    /// <param name="sequenceNumber">The sequence number for the <c>*_SEQUENCE_NUMBER</c> types.</param>
    /// <param name="cancellationToken">Stops the call.</param>
    /// <returns>The iterator.</returns>
    Task<string> GetShardIteratorAsync(string streamName, string shardId, string iteratorType, string? sequenceNumber, CancellationToken cancellationToken);

    /// <summary>Reads records at an iterator.</summary>
    /// <param name="shardIterator">The iterator.</param>
    /// <param name="limit">The most records to return (1–10,000).</param>
    /// <param name="cancellationToken">Stops the call.</param>
    /// <returns>The records and the next iterator (<see langword="null"/> once a closed shard is read to its end).</returns>
    Task<KinesisGetRecordsResult> GetRecordsAsync(string shardIterator, int limit, CancellationToken cancellationToken);
}

/// <summary>One entry of a PutRecords call.</summary>
/// <param name="Data">The record's bytes.</param>
/// <param name="PartitionKey">The partition key (1–256 characters).</param>
/// <param name="ExplicitHashKey">A decimal 128-bit hash key that chooses the shard instead of the partition key's MD5.</param>
public sealed record KinesisPutRecordsEntry(ReadOnlyMemory<byte> Data, string PartitionKey, string? ExplicitHashKey = null);

/// <summary>The outcome of one PutRecords entry.</summary>
/// <param name="ShardId">The shard it was written to, when it succeeded.</param>
/// <param name="SequenceNumber">Its sequence number, when it succeeded.</param>
/// <param name="ErrorCode">Why it failed (<c>ProvisionedThroughputExceededException</c>, <c>InternalFailure</c>), else <see langword="null"/>.</param>
/// <param name="ErrorMessage">The service's message for a failure.</param>
public sealed record KinesisPutRecordsResultEntry(string? ShardId, string? SequenceNumber, string? ErrorCode, string? ErrorMessage);

/// <summary>The outcome of a PutRecords call.</summary>
/// <param name="FailedRecordCount">How many entries failed.</param>
/// <param name="Records">One outcome per entry, in request order.</param>
public sealed record KinesisPutRecordsResult(int FailedRecordCount, IReadOnlyList<KinesisPutRecordsResultEntry> Records);

/// <summary>A shard: its hash key range and lineage.</summary>
/// <param name="ShardId">The shard id.</param>
/// <param name="ParentShardId">The shard it was split or merged from.</param>
/// <param name="AdjacentParentShardId">The other parent of a merge.</param>
/// <param name="StartingHashKey">The lowest hash key it owns (decimal).</param>
/// <param name="EndingHashKey">The highest hash key it owns (decimal).</param>
/// <param name="EndingSequenceNumber">Set once the shard is closed (split or merged): no more writes.</param>
public sealed record KinesisShard(string ShardId, string? ParentShardId, string? AdjacentParentShardId, string StartingHashKey, string EndingHashKey, string? EndingSequenceNumber)
{
    /// <summary>Whether the shard still takes writes.</summary>
    public bool IsOpen => EndingSequenceNumber is null;
}

/// <summary>A record as read from a shard.</summary>
/// <param name="SequenceNumber">Its sequence number.</param>
/// <param name="PartitionKey">Its partition key.</param>
/// <param name="Data">Its bytes (possibly a KPL aggregate).</param>
/// <param name="ApproximateArrivalTimestamp">When Kinesis accepted it.</param>
public sealed record KinesisRecord(string SequenceNumber, string PartitionKey, ReadOnlyMemory<byte> Data, DateTimeOffset? ApproximateArrivalTimestamp);

/// <summary>The outcome of a GetRecords call.</summary>
/// <param name="Records">The records, in shard order.</param>
/// <param name="NextShardIterator">Where to continue; <see langword="null"/> when a closed shard is fully read.</param>
/// <param name="MillisBehindLatest">How far the read is behind the tip of the shard.</param>
public sealed record KinesisGetRecordsResult(IReadOnlyList<KinesisRecord> Records, string? NextShardIterator, long? MillisBehindLatest);
