using Affiliate.Sdk.Events;

namespace Affiliate.Sdk.Kinesis;

/// <summary>
/// Chooses the partition key: every event of one click (the click and its conversions) shares the click id, so they
/// map to one shard (in order when <see cref="KinesisOptions.PreserveOrderPerPartitionKey"/> is on). Impressions and
/// events without a usable click id are keyed by their event id, spreading load evenly.
/// </summary>
internal static class KinesisPartitionKey
{
    public const int MaxLength = 256;

    public static string For(TrackingEvent trackingEvent) =>
        trackingEvent.Kind != EventKind.Impression && trackingEvent.ClickId is { Length: > 0 and <= MaxLength } clickId
            ? clickId
            : trackingEvent.EventId.ToString("D");
}
