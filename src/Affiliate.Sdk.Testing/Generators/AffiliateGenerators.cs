using System.Globalization;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.Medallion;
using Affiliate.Sdk.Reports;
using FsCheck;
using FsCheck.Fluent;

namespace Affiliate.Sdk.Testing;

/// <summary>
/// FsCheck generators of realistic affiliate data. The <c>Any…</c> generators cover the whole event schema, nasty values
/// included (Unicode, quotes, maximum lengths, far times, odd offsets); the others build event sets that exercise the
/// medallion rules around <see cref="Base"/> against <see cref="Catalog"/>, and report queries over them.
/// </summary>
public static class AffiliateGenerators
{
    private static readonly string[] Pieces =
    [
        "a", "Z", "7", "-", "_", ".", " ", "ä", "ß", "日本", "🦄", "\"", "\\", "/", "?&=#", "%20", "<script>", "\t", "\u2028", "é́",
    ];

    private static readonly string[] OfferIds = ["o1", "o2", "o3", "o4", "o-unknown"];

    private static readonly string[] Zones = ["UTC", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Lord_Howe", "Europe/Berlin"];

    /// <summary>The centre of the medallion event sets: Saturday 2026-03-07 12:00 UTC; events fall within three days of it.</summary>
    public static readonly DateTimeOffset Base = new(2026, 3, 7, 12, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// The offers the medallion event sets refer to: <c>o1</c> flat USD, <c>o2</c> revenue share in EUR with a one-day window,
    /// <c>o3</c> flat GBP (no exchange rate), <c>o4</c> revenue share in JPY with a six-hour window; <c>o-unknown</c> is absent.
    /// </summary>
    public static TestOfferCatalog Catalog { get; } = new(
        TestOfferCatalog.Flat("o1", 10m, 7.5m),
        TestOfferCatalog.Share("o2", 12.5m, 8.333333m, "EUR", TimeSpan.FromDays(1)),
        TestOfferCatalog.Flat("o3", 3.3333333m, 1.1m, "GBP"),
        TestOfferCatalog.Share("o4", 5m, 2.5m, "JPY", TimeSpan.FromHours(6)));

    /// <summary>Text of up to <paramref name="maxPieces"/> awkward pieces (Unicode, quotes, separators, control characters).</summary>
    /// <param name="maxPieces">The most pieces.</param>
    /// <returns>The generator.</returns>
    public static Gen<string> AnyText(int maxPieces) =>
        Gen.Choose(0, maxPieces).SelectMany(n => Gen.ArrayOf(Gen.Elements(Pieces), n)).Select(p => string.Concat(p));

    /// <summary>Ids: mostly numbers, some awkward text, some of the maximum length.</summary>
    public static Gen<string> AnyId =>
        Gen.Frequency(
            (6, Gen.Choose(1, 99_999).Select(i => i.ToString(CultureInfo.InvariantCulture))),
            (2, AnyText(20).Where(s => s.Length > 0)),
            (1, Gen.Constant(new string('x', TrackingEventLimits.MaxIdLength))));

    /// <summary>Amounts: cents, micro-units, zero and the largest amount allowed.</summary>
    public static Gen<decimal> AnyAmount =>
        Gen.Frequency(
            (5, Gen.Choose(0, 1_000_000).Select(c => c / 100m)),
            (1, Gen.Choose(0, int.MaxValue).Select(c => c / 1_000_000m)),
            (1, Gen.Constant(Events.Money.MaxAbsoluteAmount)),
            (1, Gen.Constant(0m)));

    /// <summary>Money in a few currencies, one of them in lower case.</summary>
    public static Gen<Money> AnyMoney =>
        from amount in AnyAmount
        from currency in Gen.Elements("USD", "EUR", "JPY", "GBP", "usd")
        select new Money(amount, currency);

    /// <summary>Instants from 2000 to 2068 with tick precision, in various offsets.</summary>
    public static Gen<DateTimeOffset> AnyTime =>
        from seconds in Gen.Choose(0, int.MaxValue)
        from ticks in Gen.Choose(0, 9_999_999)
        from offsetMinutes in Gen.Elements(0, 60, -300, 330, 840)
        select new DateTimeOffset(DateTime.UnixEpoch.AddYears(30).AddSeconds(seconds).AddTicks(ticks), TimeSpan.Zero)
            .ToOffset(TimeSpan.FromMinutes(offsetMinutes));

    /// <summary>Events of any kind with any field set or missing (not necessarily valid for their kind): for contract and storage round trips.</summary>
    public static Gen<TrackingEvent> AnyEvent =>
        from kind in Gen.Elements(EventKind.Impression, EventKind.Click, EventKind.Conversion)
        from occurred in AnyTime
        from lag in Gen.Choose(0, 86_400)
        from ids in Gen.ArrayOf(OrNull(AnyId), 5)
        from subs in Gen.ArrayOf(OrNull(AnyText(8)), 5)
        from status in Gen.Elements<ConversionStatus?>(null, ConversionStatus.Approved, ConversionStatus.Pending, ConversionStatus.Rejected)
        from money in Gen.ArrayOf(Gen.Frequency((1, Gen.Constant<Money?>(null)), (3, AnyMoney.Select(m => (Money?)m))), 3)
        from client in Gen.ArrayOf(OrNull(AnyText(12)), 3)
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

    /// <summary>The medallion settings matching <see cref="Catalog"/>: USD reports, EUR and JPY rates, a zero CHF rate (unusable), no GBP rate.</summary>
    /// <returns>A new options instance.</returns>
    public static MedallionOptions CreateMedallionOptions()
    {
        var options = new MedallionOptions { ReportCurrency = "USD" };
        options.ExchangeRates["EUR"] = 1.08m;
        options.ExchangeRates["jpy"] = 0.0067123m;
        options.ExchangeRates["CHF"] = 0m;
        return options;
    }

    /// <summary>An instant within three days of <see cref="Base"/>, with microsecond precision (what bronze stores).</summary>
    public static Gen<DateTimeOffset> Time =>
        from seconds in Gen.Choose(-3 * 86_400, 3 * 86_400)
        from micros in Gen.Choose(0, 999_999)
        select Base.AddSeconds(seconds).AddTicks(micros * 10L);

    /// <summary>Random event ids (any version).</summary>
    public static Gen<Guid> EventId =>
        from parts in Gen.ArrayOf(Gen.Choose(int.MinValue, int.MaxValue), 4)
        select new Guid([.. BitConverter.GetBytes(parts[0]), .. BitConverter.GetBytes(parts[1]), .. BitConverter.GetBytes(parts[2]), .. BitConverter.GetBytes(parts[3])]);

    /// <summary>Clicks over twelve click ids, several affiliates (one with a quote), offers, subs (one that looks like SQL), countries, visitors; one in five a bot.</summary>
    public static Gen<TrackingEvent> Click =>
        from id in EventId
        from at in Time
        from lag in Gen.Choose(0, 5_000_000)
        from clickId in Gen.Elements(Enumerable.Range(0, 12).Select(i => "c" + i.ToString(CultureInfo.InvariantCulture)).ToArray())
        from affiliate in Gen.Elements("a1", "a2", "a3", "a'4")
        from offer in Gen.Elements(OfferIds)
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

    /// <summary>Impressions over a few affiliates, offers, subs and countries.</summary>
    public static Gen<TrackingEvent> Impression =>
        from id in EventId
        from at in Time
        from affiliate in Gen.Elements("a1", "a2", "a3")
        from offer in Gen.Elements(OfferIds)
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

    /// <summary>Sale amounts in five currencies (one without a rate, one with a zero rate), sometimes huge, sometimes missing.</summary>
    public static Gen<Money?> Sale =>
        Gen.Frequency(
            (1, Gen.Constant<Money?>(null)),
            (4, from cents in Gen.Choose(0, 5_000_000)
                from micros in Gen.Choose(0, 999_999)
                from currency in Gen.Elements("USD", "EUR", "GBP", "JPY", "CHF")
                from big in Gen.Frequency((9, Gen.Constant(false)), (1, Gen.Constant(true)))
                select (Money?)new Money(big ? 999_999_999_999.999999m : (cents / 100m) + (micros / 1_000_000m), currency)));

    /// <summary>
    /// Conversions: click ids mostly of <see cref="Click"/> (some unknown, some missing), with and without transaction ids,
    /// every status, before, inside and outside the window, with the postback's own (untrusted) offer and affiliate.
    /// </summary>
    public static Gen<TrackingEvent> Conversion =>
        from id in EventId
        from at in Time
        from lag in Gen.Choose(0, 5_000_000)
        from clickId in Gen.Frequency(
            (8, Gen.Elements(Enumerable.Range(0, 14).Select(i => (string?)("c" + i.ToString(CultureInfo.InvariantCulture))).ToArray())),
            (1, Gen.Constant<string?>(null)))
        from txn in Maybe("t1", "t2", "t3")
        from status in Gen.Elements<ConversionStatus?>(null, ConversionStatus.Approved, ConversionStatus.Pending, ConversionStatus.Rejected)
        from sale in Sale
        from ownOffer in Maybe(OfferIds)
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

    /// <summary>A set of distinct events (by event id): up to 24 clicks, 10 impressions, 16 conversions and a few re-sent postbacks.</summary>
    public static Gen<TrackingEvent[]> EventSet =>
        from clicks in Gen.Choose(0, 24).SelectMany(n => Gen.ArrayOf(Click, n))
        from impressions in Gen.Choose(0, 10).SelectMany(n => Gen.ArrayOf(Impression, n))
        from conversions in Gen.Choose(0, 16).SelectMany(n => Gen.ArrayOf(Conversion, n))
        from postbackCopies in Gen.Choose(0, 3)
        select WithPostbackCopies([.. clicks, .. impressions, .. conversions], postbackCopies);

    /// <summary>An event set and an at-least-once delivery of it: shuffled, some events repeated (received later), split into one to five batches.</summary>
    public static Gen<EventDelivery> Delivery =>
        from events in EventSet
        from repeats in Gen.ArrayOf(Gen.Choose(0, 2), events.Length)
        from laterBy in Gen.Choose(1, 1_000_000)
        from seed in Gen.Choose(0, int.MaxValue)
        from batchCount in Gen.Choose(1, 5)
        select new EventDelivery(events, Split(Shuffle(Repeat(events, repeats, laterBy), seed), batchCount, seed));

    /// <summary>
    /// A delivery whose duplicates land in other partitions and batches: a re-delivered event carries another
    /// <c>occurred_at</c> (up to 36 hours either way, so often another UTC day or hour) and is received later, as a
    /// retried postback landing a day later or a client clock that moved. The earliest copy is the survivor.
    /// </summary>
    public static Gen<EventDelivery> CrossPartitionDelivery =>
        from events in EventSet
        from repeats in Gen.ArrayOf(Gen.Choose(0, 2), events.Length)
        from shifts in Gen.ArrayOf(Gen.Choose(-36 * 3600, 36 * 3600), events.Length)
        from seed in Gen.Choose(0, int.MaxValue)
        from batchCount in Gen.Choose(1, 5)
        select new EventDelivery(events, Split(Shuffle(RepeatShifted(events, repeats, shifts), seed), batchCount, seed));

    /// <summary>
    /// Valid report queries over the days of <see cref="EventSet"/>: every grain, several time zones (half-hour, 45-minute
    /// and DST ones), grouping, an affiliate filter, metric subsets, sort keys and limits (small or none).
    /// </summary>
    public static Gen<ReportQuery> ReportQueries =>
        from fromDay in Gen.Choose(3, 8)
        from days in Gen.Choose(0, 4)
        from zone in Gen.Elements(Zones)
        from grain in Gen.Elements(ReportGrain.Total, ReportGrain.Hour, ReportGrain.Day, ReportGrain.Month)
        from groupBy in Gen.SubListOf(new[] { ReportDimension.Affiliate, ReportDimension.Offer, ReportDimension.Sub1, ReportDimension.Country, ReportDimension.Campaign })
        from filterAffiliates in Gen.Frequency((3, Gen.Constant<string[]?>(null)), (1, Gen.SubListOf(new[] { "a1", "a'4", "zz" }).Select(l => (string[]?)l.ToArray())))
        from metrics in Gen.Frequency((1, Gen.Constant(Array.Empty<ReportMetric>())), (2, Gen.SubListOf(ReportNames.AllMetrics.ToArray()).Select(l => l.ToArray())))
        from sorts in SortKeys(grain, groupBy)
        from limit in Gen.Frequency((3, Gen.Constant(ReportQuery.MaxLimit)), (1, Gen.Choose(1, 5)))
        select new ReportQuery
        {
            From = new DateOnly(2026, 3, fromDay),
            To = new DateOnly(2026, 3, fromDay + days),
            TimeZone = zone,
            Grain = grain,
            GroupBy = [.. groupBy],
            Filters = filterAffiliates is { Length: > 0 } f
                ? new Dictionary<ReportDimension, IReadOnlyList<string>> { [ReportDimension.Affiliate] = f }
                : new Dictionary<ReportDimension, IReadOnlyList<string>>(),
            Metrics = [.. metrics],
            OrderBy = sorts,
            Limit = limit,
        };

    private static Gen<ReportSort[]> SortKeys(ReportGrain grain, IList<ReportDimension> groupBy)
    {
        var columns = new List<string>();
        if (grain != ReportGrain.Total)
        {
            columns.Add("period");
        }

        columns.AddRange(groupBy.Select(ReportNames.Of));
        columns.AddRange(ReportNames.AllMetrics.Select(ReportNames.Of));
        return from count in Gen.Frequency((2, Gen.Constant(0)), (2, Gen.Constant(1)), (1, Gen.Constant(2)))
               from picked in Gen.Shuffle(columns.ToArray())
               from directions in Gen.ArrayOf(Gen.Elements(true, false), count)
               select picked.Take(count).Select((c, i) => new ReportSort(c, directions[i])).ToArray();
    }

    private static Gen<string?> Maybe(params string[] values) => Gen.Elements<string?>([null, .. values]);

    private static Gen<string?> OrNull(Gen<string> gen) => Gen.Frequency((1, Gen.Constant<string?>(null)), (3, gen.Select(s => (string?)s)));

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

    private static TrackingEvent[] Shuffle(IEnumerable<TrackingEvent> events, int seed)
    {
        var array = events.ToArray();
#pragma warning disable CA5394 // Test data: a seeded, reproducible shuffle, not security.
        new Random(seed).Shuffle(array);
#pragma warning restore CA5394
        return array;
    }

    private static TrackingEvent[][] Split(TrackingEvent[] events, int batches, int seed)
    {
#pragma warning disable CA5394 // Test data: seeded, reproducible cuts.
        var random = new Random(seed ^ 0x2F);
        var cuts = Enumerable.Range(0, batches - 1).Select(_ => random.Next(0, events.Length + 1)).Order().ToList();
#pragma warning restore CA5394
        var result = new List<TrackingEvent[]>();
        var start = 0;
        foreach (var cut in cuts.Append(events.Length))
        {
            result.Add(events[start..cut]);
            start = cut;
        }

        return [.. result];
    }
}

/// <summary>A set of distinct events and an at-least-once delivery of it in batches (shuffled, with repeats).</summary>
/// <param name="Events">The distinct events.</param>
/// <param name="Batches">The delivery, batch by batch; every event of <paramref name="Events"/> is in at least one batch.</param>
public sealed record EventDelivery(IReadOnlyList<TrackingEvent> Events, IReadOnlyList<IReadOnlyList<TrackingEvent>> Batches)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"{Events.Count} distinct events delivered in {Batches.Count} batches of [{string.Join(", ", Batches.Select(b => b.Count))}]";
}
