using System.Text;
using Affiliate.Sdk.Events;

namespace Affiliate.Sdk.Kafka;

/// <summary>
/// Chooses the record key, hence the partition: every event of one click (the click and its conversions) shares the
/// click id, so they land in one partition in order. Impressions (no click yet) and events without a click id are keyed
/// by their event id, spreading them evenly instead of piling a large affiliate's traffic onto one partition.
/// </summary>
internal static class KafkaPartitionKey
{
    public static byte[] For(TrackingEvent trackingEvent) =>
        trackingEvent.Kind != EventKind.Impression && !string.IsNullOrEmpty(trackingEvent.ClickId)
            ? Encoding.UTF8.GetBytes(trackingEvent.ClickId)
            : EventIdKey(trackingEvent.EventId);

    private static byte[] EventIdKey(Guid eventId)
    {
        // The canonical "D" text form, so kcat and other tools show a readable key.
        var key = new byte[36];
        eventId.TryFormat(key, out _, "D");
        return key;
    }
}
