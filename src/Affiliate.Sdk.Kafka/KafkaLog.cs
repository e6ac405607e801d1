using Microsoft.Extensions.Logging;

namespace Affiliate.Sdk.Kafka;

/// <summary>Log messages of the Kafka adapter (source-generated).</summary>
internal static partial class KafkaLog
{
    [LoggerMessage(EventId = 5100, Level = LogLevel.Warning, Message = "Kafka producer error on '{Topic}': {Reason} ({Code})")]
    public static partial void ProducerError(ILogger logger, string topic, string reason, string code);

    [LoggerMessage(EventId = 5101, Level = LogLevel.Error, Message = "Kafka producer on '{Topic}' hit a fatal error and is recreated: {Reason} ({Code})")]
    public static partial void ProducerFatal(ILogger logger, string topic, string reason, string code);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Warning, Message = "Kafka delivery of {Count} event(s) to '{Topic}' failed: {Reason}")]
    public static partial void DeliveryFailed(ILogger logger, string topic, int count, string reason);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Warning, Message = "Kafka consumer error on '{Topic}' (group '{Group}'): {Reason} ({Code})")]
    public static partial void ConsumerError(ILogger logger, string topic, string group, string reason, string code);

    [LoggerMessage(EventId = 5104, Level = LogLevel.Information, Message = "Kafka source '{Topic}' (group '{Group}'): assigned {Partitions}")]
    public static partial void Assigned(ILogger logger, string topic, string group, string partitions);

    [LoggerMessage(EventId = 5105, Level = LogLevel.Information, Message = "Kafka source '{Topic}' (group '{Group}'): revoking {Partitions}; {Uncommitted} partition(s) still had records read and not committed")]
    public static partial void Revoking(ILogger logger, string topic, string group, string partitions, int uncommitted);

    [LoggerMessage(EventId = 5106, Level = LogLevel.Warning, Message = "Kafka source '{Topic}' (group '{Group}'): lost {Partitions} without a clean hand-over; the new owner re-reads from the last commit")]
    public static partial void Lost(ILogger logger, string topic, string group, string partitions);

    [LoggerMessage(EventId = 5107, Level = LogLevel.Information, Message = "Kafka source '{Topic}' (group '{Group}'): {Partitions} partition position(s) not committed because they were revoked; the new owner re-reads them")]
    public static partial void CommitDropped(ILogger logger, string topic, string group, int partitions);

    [LoggerMessage(EventId = 5108, Level = LogLevel.Debug, Message = "librdkafka {Facility}: {Message}")]
    public static partial void Librdkafka(ILogger logger, string facility, string message);

    [LoggerMessage(EventId = 5109, Level = LogLevel.Warning, Message = "Kafka source '{Topic}' (group '{Group}'): the grace period passed before records read from {Partitions} were committed; they will be read again by the new owner")]
    public static partial void RevocationGraceExpired(ILogger logger, string topic, string group, string partitions);
}
