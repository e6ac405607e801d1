using Affiliate.Sdk.Events;

namespace Affiliate.Sdk.Testing;

/// <summary>
/// Valid events of every kind (about 300 bytes of JSON each), numbered so that a click and its conversion share a click id:
/// <c>Click(i)</c> issues <c>click-{i:D8}</c>, <c>Conversion(i)</c> reports it back.
/// </summary>
public static class TestEvents
{
    /// <summary>A non-bot click of offer <c>offer-{i % 7}</c> by affiliate <c>aff-{i % 13}</c>.</summary>
    /// <param name="i">The number; it names the click id.</param>
    /// <param name="now">When it happened (UTC now when omitted); the event id is a UUIDv7 of this time.</param>
    /// <returns>The click.</returns>
    public static TrackingEvent Click(int i, DateTimeOffset? now = null)
    {
        var at = now ?? DateTimeOffset.UtcNow;
        return new TrackingEvent
        {
            EventId = Guid.CreateVersion7(at),
            Kind = EventKind.Click,
            OccurredAt = at,
            ReceivedAt = at,
            ClickId = ClickId(i),
            OfferId = $"offer-{i % 7}",
            AffiliateId = $"aff-{i % 13}",
            Sub1 = "campaign-sub",
            Country = "DE",
            UserAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36",
            IpHash = "3f0c8a2e9b1d4c6f",
        };
    }

    /// <summary>An approved conversion of click <c>i</c>, with transaction id <c>T-{i}</c>.</summary>
    /// <param name="i">The number of the click it reports back.</param>
    /// <param name="now">When it happened (UTC now when omitted).</param>
    /// <returns>The conversion.</returns>
    public static TrackingEvent Conversion(int i, DateTimeOffset? now = null)
    {
        var at = now ?? DateTimeOffset.UtcNow;
        return new TrackingEvent
        {
            EventId = Guid.CreateVersion7(at),
            Kind = EventKind.Conversion,
            OccurredAt = at,
            ReceivedAt = at,
            ClickId = ClickId(i),
            TransactionId = $"T-{i}",
            Status = ConversionStatus.Approved,
            Revenue = new Money(12.5m, "USD"),
            Payout = new Money(10m, "USD"),
        };
    }

    /// <summary>An impression of offer <c>offer-{i % 7}</c> by affiliate <c>aff-{i % 13}</c>.</summary>
    /// <param name="i">The number.</param>
    /// <param name="now">When it happened (UTC now when omitted).</param>
    /// <returns>The impression.</returns>
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

    /// <summary>Clicks, impressions and conversions in turn (a conversion reports back the click two places before it).</summary>
    /// <param name="count">How many events.</param>
    /// <param name="offset">The first number, so several calls give distinct click ids.</param>
    /// <returns>The events, each with a distinct event id.</returns>
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

    /// <summary>The click id <see cref="Click"/> issues for number <paramref name="i"/>.</summary>
    /// <param name="i">The number.</param>
    /// <returns><c>click-{i:D8}</c>.</returns>
    public static string ClickId(int i) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"click-{i:D8}");
}
