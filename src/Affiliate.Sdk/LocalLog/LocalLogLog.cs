using Microsoft.Extensions.Logging;

namespace Affiliate.Sdk.LocalLog;

/// <summary>Log messages of the local log (source-generated).</summary>
internal static partial class LocalLogLog
{
    [LoggerMessage(EventId = 4100, Level = LogLevel.Information, Message = "Local log '{Log}' opened in '{Directory}': offsets {StartOffset}..{NextOffset}, {Segments} segment(s)")]
    public static partial void Opened(ILogger logger, string log, string directory, long startOffset, long nextOffset, int segments);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "Local log '{Log}': dropped a torn tail of {Bytes} bytes at byte {Position} of '{Segment}' ({Problem}); it held no acknowledged record")]
    public static partial void TornTailDropped(ILogger logger, string log, string segment, long position, long bytes, string problem);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Information, Message = "Local log '{Log}': new segment '{Segment}'")]
    public static partial void SegmentRolled(ILogger logger, string log, string segment);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Information, Message = "Local log '{Log}': deleted segment '{Segment}' (every consumer passed it)")]
    public static partial void SegmentDeleted(ILogger logger, string log, string segment);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Warning, Message = "Local log '{Log}': deleting old segments failed; retrying after the next commit")]
    public static partial void RetentionFailed(ILogger logger, string log, Exception exception);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Error, Message = "Local log '{Log}': a group commit of {Records} records failed; none was acknowledged")]
    public static partial void WriteFailed(ILogger logger, string log, int records, Exception exception);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Critical, Message = "Local log '{Log}' failed and accepts no appends until it is reopened")]
    public static partial void WriterFailed(ILogger logger, string log, Exception exception);

    [LoggerMessage(EventId = 4107, Level = LogLevel.Warning, Message = "Local log '{Log}': could not start segment '{Segment}'; appending to the current one")]
    public static partial void RollFailed(ILogger logger, string log, string segment, Exception exception);

    [LoggerMessage(EventId = 4109, Level = LogLevel.Warning, Message = "Local log '{Log}': could not preallocate segment '{Segment}'; appending without preallocation (slower fsyncs)")]
    public static partial void PreallocationFailed(ILogger logger, string log, string segment, Exception exception);

    [LoggerMessage(EventId = 4108, Level = LogLevel.Information, Message = "Local log '{Log}' closed at offset {NextOffset}")]
    public static partial void Closed(ILogger logger, string log, long nextOffset);

    [LoggerMessage(EventId = 4120, Level = LogLevel.Warning, Message = "Spool: the stream publisher failed ({Reason}); {Count} event(s) spooled to the local log")]
    public static partial void Spooling(ILogger logger, string reason, int count);

    [LoggerMessage(EventId = 4121, Level = LogLevel.Information, Message = "Spool drained: {Count} event(s) republished to the stream")]
    public static partial void Drained(ILogger logger, long count);

    [LoggerMessage(EventId = 4122, Level = LogLevel.Warning, Message = "Spool: republishing failed ({Reason}); retrying in {Delay}")]
    public static partial void DrainRetry(ILogger logger, string reason, TimeSpan delay);

    [LoggerMessage(EventId = 4124, Level = LogLevel.Critical, Message = "Spool: the drainer stopped; spooled events stay on disk and drain after a restart")]
    public static partial void DrainFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4123, Level = LogLevel.Error, Message = "Spool: a spooled record at offset {Offset} is not a valid event ({Reason}); written to the dead letters")]
    public static partial void SpoolDeadLetter(ILogger logger, long offset, string reason);
}
