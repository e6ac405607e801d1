using Affiliate.Sdk.Events;

namespace Affiliate.Sdk.Kinesis.Tests;

/// <summary>Valid events of every kind, about 300 bytes of JSON each.</summary>
internal static class TestEvents
{
    public static TrackingEvent Click(int i, DateTimeOffset? now = null)
    {
        var at = now ?? DateTimeOffset.UtcNow;
        return new TrackingEvent
        {
            EventId = Guid.CreateVersion7(at),
            Kind = EventKind.Click,
            OccurredAt = at,
            ReceivedAt = at,
            ClickId = $"click-{i:D8}",
            OfferId = $"offer-{i % 7}",
            AffiliateId = $"aff-{i % 13}",
            Sub1 = "campaign-sub",
            Country = "DE",
            UserAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36",
            IpHash = "3f0c8a2e9b1d4c6f",
        };
    }

    public static TrackingEvent Conversion(int i, DateTimeOffset? now = null)
    {
        var at = now ?? DateTimeOffset.UtcNow;
        return new TrackingEvent
        {
            EventId = Guid.CreateVersion7(at),
            Kind = EventKind.Conversion,
            OccurredAt = at,
            ReceivedAt = at,
            ClickId = $"click-{i:D8}",
            TransactionId = $"T-{i}",
            Status = ConversionStatus.Approved,
            Revenue = new Money(12.5m, "USD"),
            Payout = new Money(10m, "USD"),
        };
    }

    public static TrackingEvent Impression(int i, DateTimeOffset? now = null)
    {
        var at = now ?? DateTimeOffset.UtcNow;
        return new TrackingEvent
        {
            EventId = Guid.CreateVersion7(at),
            Kind = EventKind.Impression,
            OccurredAt = at,
            ReceivedAt = at,
            OfferId = $"offer-{i % 7}",
            AffiliateId = $"aff-{i % 13}",
        };
    }

    public static List<TrackingEvent> Mixed(int count, int offset = 0)
    {
        var result = new List<TrackingEvent>(count);
        for (var n = 0; n < count; n++)
        {
            var i = n + offset;
            result.Add((i % 3) switch
            {
                0 => Click(i),
                1 => Impression(i),
                _ => Conversion(i - 2),
            });
        }

        return result;
    }
}
