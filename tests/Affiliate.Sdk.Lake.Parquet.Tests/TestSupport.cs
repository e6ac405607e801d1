using System.Globalization;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.Pipeline;
using FsCheck;
using FsCheck.Fluent;

namespace Affiliate.Sdk.Lake.Parquet.Tests;

/// <summary>A fresh directory under the system temp folder, deleted on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "affiliate-lake-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>A clock the test moves by hand.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}

/// <summary>Valid tracking events, including the nasty ones: Unicode, empty strings, max lengths, far times, odd offsets.</summary>
public static class LakeGenerators
{
    private static readonly string[] Pieces = ["a", "Z", "7", "-", "_", ".", " ", "ä", "ß", "日本", "🦄", "\"", "\\", "/", "?&=#", ",", "'", "é́"];

    public static Gen<string> Text(int maxPieces) =>
        Gen.Choose(0, maxPieces).SelectMany(n => Gen.ArrayOf(Gen.Elements(Pieces), n)).Select(p => string.Concat(p));

    public static Gen<string> Id =>
        Gen.Frequency(
            (6, Gen.Choose(1, 99_999).Select(i => i.ToString(CultureInfo.InvariantCulture))),
            (2, Text(20).Where(s => s.Length > 0)),
            (1, Gen.Constant(new string('x', TrackingEventLimits.MaxIdLength))));

    public static Gen<decimal> Amount =>
        Gen.Frequency(
            (5, Gen.Choose(0, 1_000_000).Select(c => c / 100m)),
            (1, Gen.Choose(0, int.MaxValue).Select(c => c / 1_000_000m)),
            (1, Gen.Constant(Events.Money.MaxAbsoluteAmount)),
            (1, Gen.Constant(-Events.Money.MaxAbsoluteAmount)),
            (1, Gen.Constant(0.000001m)));

    public static Gen<Events.Money?> Money =>
        Gen.Frequency(
            (1, Gen.Constant<Events.Money?>(null)),
            (3, from amount in Amount from currency in Gen.Elements("USD", "EUR", "JPY") select (Events.Money?)new Events.Money(amount, currency)));

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
        from money in Gen.ArrayOf(Money, 3)
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

    public static Gen<BronzeRecord> Record =>
        from e in Event
        from partition in Gen.Choose(0, 3)
        from position in Gen.Choose(0, int.MaxValue)
        select new BronzeRecord(e, new IngestionInfo("events", partition.ToString(CultureInfo.InvariantCulture), position.ToString(CultureInfo.InvariantCulture), e.ReceivedAt.AddSeconds(1)));

    /// <summary>What bronze stores: times truncated to microseconds, in UTC.</summary>
    public static BronzeRecord Truncated(BronzeRecord r) => new(
        r.Event with
        {
            OccurredAt = Micro(r.Event.OccurredAt),
            ReceivedAt = Micro(r.Event.ReceivedAt),
        },
        r.Ingestion with { LandedAt = Micro(r.Ingestion.LandedAt) });

    public static DateTimeOffset Micro(DateTimeOffset t) => new(t.UtcTicks - (t.UtcTicks % 10), TimeSpan.Zero);

    /// <summary>A simple valid click for tests that need many rows, not variety.</summary>
    public static BronzeRecord Click(int i, DateTimeOffset occurred, string partition = "0") => new(
        new TrackingEvent
        {
            EventId = Guid.CreateVersion7(occurred),
            Kind = EventKind.Click,
            OccurredAt = occurred,
            ReceivedAt = occurred,
            ClickId = "c" + i.ToString(CultureInfo.InvariantCulture),
            OfferId = "o1",
            AffiliateId = "a1",
        },
        new IngestionInfo("events", partition, i.ToString(CultureInfo.InvariantCulture), occurred));
}

public static class LakeArbitraries
{
    public static Arbitrary<BronzeRecord[]> Records() => Arb.From(Gen.ArrayOf(LakeGenerators.Record));
}
