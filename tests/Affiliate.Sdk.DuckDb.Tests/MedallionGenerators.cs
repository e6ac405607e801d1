using Affiliate.Sdk.Events;
using Affiliate.Sdk.Medallion;
using FsCheck;
using FsCheck.Fluent;

namespace Affiliate.Sdk.DuckDb.Tests;

/// <summary>
/// Event sets that exercise the medallion rules: clicks across affiliates, offers, subs, countries and bots; impressions;
/// conversions with and without transaction ids, duplicate postbacks, unknown click ids, outside the window and before the
/// click; several currencies with and without rates; revenue-share and flat offers. Times have microsecond precision.
/// </summary>
public static class MedallionGenerators
{
    public static readonly DateTimeOffset Base = new(2026, 3, 7, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Offers: flat USD, revenue share in EUR with a one-day window, flat GBP (no rate), revenue share JPY.</summary>
    public static TestCatalog Catalog { get; } = new(
        TestCatalog.Flat("o1", 10m, 7.5m),
        TestCatalog.Share("o2", 12.5m, 8.333333m, "EUR", TimeSpan.FromDays(1)),
        TestCatalog.Flat("o3", 3.3333333m, 1.1m, "GBP"),
        TestCatalog.Share("o4", 5m, 2.5m, "JPY", TimeSpan.FromHours(6)));

    public static MedallionOptions Options { get; } = CreateOptions();

    private static readonly string[] Offers = ["o1", "o2", "o3", "o4", "o-unknown"];

    public static Gen<DateTimeOffset> Time =>
        from seconds in Gen.Choose(-3 * 86_400, 3 * 86_400)
        from micros in Gen.Choose(0, 999_999)
        select Base.AddSeconds(seconds).AddTicks(micros * 10L);

    public static Gen<Guid> EventId =>
        from parts in Gen.ArrayOf(Gen.Choose(int.MinValue, int.MaxValue), 4)
        select new Guid([.. BitConverter.GetBytes(parts[0]), .. BitConverter.GetBytes(parts[1]), .. BitConverter.GetBytes(parts[2]), .. BitConverter.GetBytes(parts[3])]);

    private static Gen<string?> Maybe(params string[] values) =>
        Gen.Elements<string?>([null, .. values]);

    public static Gen<TrackingEvent> Click =>
        from id in EventId
        from at in Time
        from lag in Gen.Choose(0, 5_000_000)
        from clickId in Gen.Elements(Enumerable.Range(0, 12).Select(i => "c" + i).ToArray())
        from affiliate in Gen.Elements("a1", "a2", "a3", "a'4")
        from offer in Gen.Elements(Offers)
        from campaign in Maybe("k1", "k2")
        from sub1 in Maybe("s1", "s2", "s'3; DROP TABLE gold_daily; --")
        from sub2 in Maybe("x")
        from country in Maybe("US", "DE", "IN")
        from ip in Maybe("ip1", "ip2", "ip3")
        from ua in Maybe("ua1", "ua2")
        from bot in Gen.Frequency((1, Gen.Constant(true)), (4, Gen.Constant(false)))
        select new TrackingEvent
        {
            EventId = id,
            Kind = EventKind.Click,
            OccurredAt = at,
            ReceivedAt = at.AddTicks(lag * 10L),
            ClickId = clickId,
            OfferId = offer,
            AffiliateId = affiliate,
            CampaignId = campaign,
            Sub1 = sub1,
            Sub2 = sub2,
            Country = country,
            IpHash = ip,
            UserAgent = ua,
            IsBot = bot,
        };

    public static Gen<TrackingEvent> Impression =>
        from id in EventId
        from at in Time
        from affiliate in Gen.Elements("a1", "a2", "a3")
        from offer in Gen.Elements(Offers)
        from sub1 in Maybe("s1", "s2")
        from country in Maybe("US", "DE")
        select new TrackingEvent
        {
            EventId = id,
            Kind = EventKind.Impression,
            OccurredAt = at,
            ReceivedAt = at.AddSeconds(1),
            OfferId = offer,
            AffiliateId = affiliate,
            Sub1 = sub1,
            Country = country,
        };

    public static Gen<Money?> Sale =>
        Gen.Frequency(
            (1, Gen.Constant<Money?>(null)),
            (4, from cents in Gen.Choose(0, 5_000_000)
                from micros in Gen.Choose(0, 999_999)
                from currency in Gen.Elements("USD", "EUR", "GBP", "JPY", "CHF")
                from big in Gen.Frequency((9, Gen.Constant(false)), (1, Gen.Constant(true)))
                select (Money?)new Money(big ? 999_999_999_999.999999m : cents / 100m + micros / 1_000_000m, currency)));

    public static Gen<TrackingEvent> Conversion =>
        from id in EventId
        from at in Time
        from lag in Gen.Choose(0, 5_000_000)
        from clickId in Gen.Frequency(
            (8, Gen.Elements(Enumerable.Range(0, 14).Select(i => (string?)("c" + i)).ToArray())),
            (1, Gen.Constant<string?>(null)))
        from txn in Maybe("t1", "t2", "t3")
        from status in Gen.Elements<ConversionStatus?>(null, ConversionStatus.Approved, ConversionStatus.Pending, ConversionStatus.Rejected)
        from sale in Sale
        from ownOffer in Maybe(Offers)
        from ownAffiliate in Maybe("a9")
        select new TrackingEvent
        {
            EventId = id,
            Kind = EventKind.Conversion,
            OccurredAt = at,
            ReceivedAt = at.AddTicks(lag * 10L),
            ClickId = clickId,
            OfferId = ownOffer,
            AffiliateId = ownAffiliate,
            TransactionId = txn,
            Status = status,
            SaleAmount = sale,
        };

    /// <summary>A set of distinct events (by event id).</summary>
    public static Gen<TrackingEvent[]> EventSet =>
        from clicks in Gen.Choose(0, 24).SelectMany(n => Gen.ArrayOf(Click, n))
        from impressions in Gen.Choose(0, 10).SelectMany(n => Gen.ArrayOf(Impression, n))
        from conversions in Gen.Choose(0, 16).SelectMany(n => Gen.ArrayOf(Conversion, n))
        from postbackCopies in Gen.Choose(0, 3)
        select WithPostbackCopies([.. clicks, .. impressions, .. conversions], postbackCopies);

    /// <summary>An event set, a delivery of it (shuffled, some events repeated, some repeats received later) and a split into batches.</summary>
    public static Gen<(TrackingEvent[] Events, TrackingEvent[][] Batches)> Delivery =>
        from events in EventSet
        from repeats in Gen.ArrayOf(Gen.Choose(0, 2), events.Length)
        from laterBy in Gen.Choose(1, 1_000_000)
        from seed in Gen.Choose(0, int.MaxValue)
        from batchCount in Gen.Choose(1, 5)
        select (events, Split(Shuffle(Repeat(events, repeats, laterBy), seed), batchCount, seed));

    /// <summary>
    /// A delivery whose duplicates land in other partitions and batches: a re-delivered event carries another
    /// <c>occurred_at</c> (up to 36 hours either way, so often another UTC day or hour) and is received later, as a
    /// retried postback landing a day later or a client clock that moved. The earliest copy is the survivor.
    /// </summary>
    public static Gen<(TrackingEvent[] Events, TrackingEvent[][] Batches)> CrossPartitionDelivery =>
        from events in EventSet
        from repeats in Gen.ArrayOf(Gen.Choose(0, 2), events.Length)
        from shifts in Gen.ArrayOf(Gen.Choose(-36 * 3600, 36 * 3600), events.Length)
        from seed in Gen.Choose(0, int.MaxValue)
        from batchCount in Gen.Choose(1, 5)
        select (events, Split(Shuffle(RepeatShifted(events, repeats, shifts), seed), batchCount, seed));

    private static IEnumerable<TrackingEvent> RepeatShifted(TrackingEvent[] events, int[] repeats, int[] shiftSeconds)
    {
        for (var i = 0; i < events.Length; i++)
        {
            yield return events[i];
            for (var r = 0; r < repeats[i]; r++)
            {
                var shift = TimeSpan.FromSeconds((long)shiftSeconds[i] * (r + 1)).Add(TimeSpan.FromTicks(10L * (r + 1)));
                yield return events[i] with { OccurredAt = events[i].OccurredAt + shift, ReceivedAt = events[i].ReceivedAt + shift.Duration() + TimeSpan.FromHours(r + 1) };
            }
        }
    }

    /// <summary>Duplicate postbacks: a conversion re-sent with a new event id a little later.</summary>
    private static TrackingEvent[] WithPostbackCopies(TrackingEvent[] events, int copies)
    {
        var conversions = events.Where(e => e.Kind == EventKind.Conversion).ToArray();
        var list = events.ToList();
        for (var i = 0; i < copies && i < conversions.Length; i++)
        {
            var original = conversions[i];
            list.Add(original with
            {
                EventId = new Guid(original.EventId.ToByteArray().Select(b => (byte)(b ^ 0x5A)).ToArray()),
                OccurredAt = original.OccurredAt.AddTicks(10 * (i + 1)),
                ReceivedAt = original.ReceivedAt.AddSeconds(i + 1),
            });
        }

        return [.. list.DistinctBy(e => e.EventId)];
    }

    private static IEnumerable<TrackingEvent> Repeat(TrackingEvent[] events, int[] repeats, int laterByMicros)
    {
        for (var i = 0; i < events.Length; i++)
        {
            yield return events[i];
            for (var r = 0; r < repeats[i]; r++)
            {
                // At-least-once redelivery: the same event, received again later; the original stays the survivor.
                yield return events[i] with { ReceivedAt = events[i].ReceivedAt.AddTicks(10L * laterByMicros * (r + 1)) };
            }
        }
    }

    private static TrackingEvent[] Shuffle(IEnumerable<TrackingEvent> events, int seed)
    {
        var array = events.ToArray();
        new Random(seed).Shuffle(array);
        return array;
    }

    private static TrackingEvent[][] Split(TrackingEvent[] events, int batches, int seed)
    {
        var random = new Random(seed ^ 0x2F);
        var cuts = Enumerable.Range(0, batches - 1).Select(_ => random.Next(0, events.Length + 1)).Order().ToList();
        var result = new List<TrackingEvent[]>();
        var start = 0;
        foreach (var cut in cuts.Append(events.Length))
        {
            result.Add(events[start..cut]);
            start = cut;
        }

        return [.. result];
    }

    private static MedallionOptions CreateOptions()
    {
        var options = new MedallionOptions { ReportCurrency = "USD" };
        options.ExchangeRates["EUR"] = 1.08m;
        options.ExchangeRates["jpy"] = 0.0067123m;
        options.ExchangeRates["CHF"] = 0m;
        return options;
    }
}
