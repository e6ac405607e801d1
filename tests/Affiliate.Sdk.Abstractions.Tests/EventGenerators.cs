using Affiliate.Sdk.Events;
using FsCheck;
using FsCheck.Fluent;

namespace Affiliate.Sdk.Abstractions.Tests;

/// <summary>Realistic tracking events, including the nasty ones: Unicode, quotes, max lengths, far times, odd offsets.</summary>
public static class EventGenerators
{
    private static readonly string[] Pieces =
    [
        "a", "Z", "7", "-", "_", ".", " ", "ä", "ß", "日本", "🦄", "\"", "\\", "/", "?&=#", "%20", "<script>", "\t", "\u2028", "é́",
    ];

    public static Gen<string> Text(int maxPieces) =>
        Gen.Choose(0, maxPieces).SelectMany(n => Gen.ArrayOf(Gen.Elements(Pieces), n)).Select(p => string.Concat(p));

    public static Gen<string> Id =>
        Gen.Frequency(
            (6, Gen.Choose(1, 99_999).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))),
            (2, Text(20).Where(s => s.Length > 0)),
            (1, Gen.Constant(new string('x', TrackingEventLimits.MaxIdLength))));

    public static Gen<decimal> Amount =>
        Gen.Frequency(
            (5, Gen.Choose(0, 1_000_000).Select(c => c / 100m)),
            (1, Gen.Choose(0, int.MaxValue).Select(c => c / 1_000_000m)),
            (1, Gen.Constant(Sdk.Events.Money.MaxAbsoluteAmount)),
            (1, Gen.Constant(0m)));

    public static Gen<Money> Amounts =>
        from amount in Amount
        from currency in Gen.Elements("USD", "EUR", "JPY", "GBP", "usd")
        select new Money(amount, currency);

    public static Gen<DateTimeOffset> Time =>
        from seconds in Gen.Choose(0, int.MaxValue)
        from ticks in Gen.Choose(0, 9_999_999)
        from offsetMinutes in Gen.Elements(0, 60, -300, 330, 840)
        select new DateTimeOffset(DateTime.UnixEpoch.AddYears(30).AddSeconds(seconds).AddTicks(ticks), TimeSpan.Zero)
            .ToOffset(TimeSpan.FromMinutes(offsetMinutes));

    public static Gen<TrackingEvent> Event =>
        from kind in Gen.Elements(EventKind.Impression, EventKind.Click, EventKind.Conversion)
        from occurred in Time
        from lag in Gen.Choose(0, 86_400)
        from ids in Gen.ArrayOf(Id.OrNull(), 5)
        from subs in Gen.ArrayOf(Text(8).OrNull(), 5)
        from status in Gen.Elements<ConversionStatus?>(null, ConversionStatus.Approved, ConversionStatus.Pending, ConversionStatus.Rejected)
        from money in Gen.ArrayOf(Amounts.Select(m => (Money?)m).OrNullable(), 3)
        from client in Gen.ArrayOf(Text(12).OrNull(), 3)
        from country in Gen.Elements<string?>(null, "US", "DE", "JP")
        from bot in Gen.Elements(true, false)
        select new TrackingEvent
        {
            EventId = Guid.CreateVersion7(occurred),
            Kind = kind,
            OccurredAt = occurred,
            ReceivedAt = occurred.AddSeconds(lag),
            ClickId = ids[0],
            OfferId = ids[1],
            AffiliateId = ids[2],
            CampaignId = ids[3],
            TransactionId = ids[4],
            Sub1 = subs[0],
            Sub2 = subs[1],
            Sub3 = subs[2],
            Sub4 = subs[3],
            Sub5 = subs[4],
            Status = status,
            SaleAmount = money[0],
            Revenue = money[1],
            Payout = money[2],
            IpHash = client[0],
            UserAgent = client[1],
            Referrer = client[2],
            Country = country,
            IsBot = bot,
        };

    private static Gen<T?> OrNullable<T>(this Gen<T?> gen)
        where T : struct =>
        Gen.Frequency((1, Gen.Constant<T?>(null)), (3, gen));
}

/// <summary>Arbitraries for <c>[Property(Arbitrary = …)]</c>.</summary>
public static class EventArbitraries
{
    public static Arbitrary<TrackingEvent> Events() => Arb.From(EventGenerators.Event);
}
