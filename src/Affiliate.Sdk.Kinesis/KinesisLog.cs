using Microsoft.Extensions.Logging;

namespace Affiliate.Sdk.Kinesis;

/// <summary>The adapter's log messages (source-generated).</summary>
internal static partial class KinesisLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Kinesis PutRecords to {Stream} failed for {Count} entries ({ErrorCode}); retrying in {Delay}")]
    public static partial void PartialFailure(ILogger logger, string stream, int count, string errorCode, TimeSpan delay);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Kinesis PutRecords to {Stream} failed; retrying in {Delay}")]
    public static partial void CallFailed(ILogger logger, Exception exception, string stream, TimeSpan delay);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "Kinesis publisher gave up on {Count} events for {Stream}: {Reason}")]
    public static partial void GaveUp(ILogger logger, int count, string stream, string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Kinesis shard map of {Stream} is stale (a record for {Expected} landed in {Actual}); refreshing")]
    public static partial void StaleShardMap(ILogger logger, string stream, string expected, string actual);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Kinesis worker {Worker} {Change} the lease of {Stream}/{Shard}")]
    public static partial void LeaseChanged(ILogger logger, string worker, string change, string stream, string shard);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "Kinesis worker {Worker} lost the lease of {Stream}/{Shard} before committing; another worker re-reads from the last checkpoint")]
    public static partial void CommitLeaseLost(ILogger logger, string worker, string stream, string shard);

    [LoggerMessage(EventId = 12, Level = LogLevel.Information, Message = "Kinesis shard {Stream}/{Shard} is read to its end (resharded); its children may start")]
    public static partial void ShardEnded(ILogger logger, string stream, string shard);

    [LoggerMessage(EventId = 13, Level = LogLevel.Warning, Message = "Kinesis record {Stream}/{Shard}/{SequenceNumber} has the KPL magic but its digest or body is invalid; passed on whole")]
    public static partial void InvalidAggregate(ILogger logger, string stream, string shard, string sequenceNumber);

    [LoggerMessage(EventId = 14, Level = LogLevel.Warning, Message = "Kinesis read of {Stream}/{Shard} failed; retrying")]
    public static partial void ReadFailed(ILogger logger, Exception exception, string stream, string shard);
}
