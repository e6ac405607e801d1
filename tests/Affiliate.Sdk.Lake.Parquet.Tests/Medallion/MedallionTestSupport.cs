using System.Globalization;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.Lake.Parquet.Medallion;
using Affiliate.Sdk.Medallion;
using Affiliate.Sdk.Offers;
using Affiliate.Sdk.Pipeline;
using Affiliate.Sdk.Testing;
using FsCheck;
using FsCheck.Fluent;

namespace Affiliate.Sdk.Lake.Parquet.Tests.Medallion;

/// <summary>A small offer catalog: flat and revenue-share offers, several currencies (one without a rate), a one-day window.</summary>
public static class TestCatalog
{
    public static TestOfferCatalog Create() => new(
        TestOfferCatalog.Flat("o1", 10m, 7.5m),
        TestOfferCatalog.Share("o2", 12.5m, 5m, "EUR", TimeSpan.FromDays(1)),
        TestOfferCatalog.Flat("o3", 3m, 1m, "GBP"),
        TestOfferCatalog.Share("o5", 33.333333m, 0m, window: TimeSpan.FromHours(6)) with { Payout = new CommissionRule(CommissionKind.Flat, 0.333333m) });

    public static MedallionOptions Options()
    {
        var options = new MedallionOptions { ReportCurrency = "USD" };
        options.ExchangeRates["EUR"] = 1.08m;
        options.ExchangeRates["JPY"] = 0.0067m;
        return options;
    }
}

/// <summary>One generated lake history: events (duplicates included) in arrival order, split into runs and files.</summary>
public sealed record MedallionScenario(TrackingEvent[] Events, int[] RunCuts, int FlushesPerRun)
{
    public override string ToString() => $"{Events.Length} events, runs cut at [{string.Join(",", RunCuts)}], {FlushesPerRun} flushes per run";
}

public static class MedallionGenerators
{
    /// <summary>Noon on a Saturday; events spread over three UTC dates around it.</summary>
    public static readonly DateTimeOffset T0 = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    private static Gen<Guid> Id => Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), 16).Select(b => new Guid(b));

    /// <summary>An instant with microsecond precision (what bronze stores) within about ±40 hours of T0, or an offset of it.</summary>
    private static Gen<DateTimeOffset> Around(DateTimeOffset center, int hours) =>
        from micros in Gen.Choose(-hours * 3600, hours * 3600)
        from fraction in Gen.Choose(0, 999_999)
        select center.AddSeconds(micros).AddTicks(fraction * 10L);

    private static Gen<string?> Pick(params string?[] values) => Gen.Elements(values);

    public static Gen<TrackingEvent> Click =>
        from id in Id
        from at in Around(T0, 40)
        from lag in Gen.Choose(0, 5_000)
        from clickId in Gen.Choose(0, 14)
        from offer in Pick("o1", "o2", "o3", "o5", "o4")
        from affiliate in Pick("a1", "a2", "日本")
        from campaign in Pick(null, "c1")
        from sub1 in Pick(null, "s1", "s2", "")
        from sub2 in Pick(null, "x")
        from sub5 in Pick(null, "🦄")
        from country in Pick(null, "US", "DE")
        from ip in Pick(null, "ip1", "ip2", "ip3")
        from ua in Pick(null, "ua1", "ua2")
        from bot in Gen.Frequency((1, Gen.Constant(true)), (4, Gen.Constant(false)))
        select new TrackingEvent
        {
            EventId = id,
            Kind = EventKind.Click,
            OccurredAt = at,
            ReceivedAt = at.AddMilliseconds(lag),
            ClickId = "k" + clickId.ToString(CultureInfo.InvariantCulture),
            OfferId = offer,
            AffiliateId = affiliate,
            CampaignId = campaign,
            Sub1 = sub1,
            Sub2 = sub2,
            Sub5 = sub5,
            Country = country,
            IpHash = ip,
            UserAgent = ua,
            IsBot = bot,
        };

    public static Gen<TrackingEvent> Impression =>
        from id in Id
        from at in Around(T0, 40)
        from affiliate in Pick("a1", "a2")
        from offer in Pick("o1", "o2")
        from sub1 in Pick(null, "s1")
        from country in Pick(null, "US")
        select new TrackingEvent
        {
            EventId = id,
            Kind = EventKind.Impression,
            OccurredAt = at,
            ReceivedAt = at,
            OfferId = offer,
            AffiliateId = affiliate,
            Sub1 = sub1,
            Country = country,
        };

    public static Gen<TrackingEvent> Conversion =>
        from id in Id
        from at in Gen.Frequency((6, Around(T0, 44)), (1, Around(T0.AddDays(35), 2)))
        from clickId in Gen.Choose(0, 18)
        from offer in Pick(null, "o1", "o9")
        from txn in Pick(null, "t1", "t2", "t3")
        from status in Gen.Elements<ConversionStatus?>(null, ConversionStatus.Approved, ConversionStatus.Pending, ConversionStatus.Rejected)
        from sale in Gen.Elements<Money?>(null, new Money(100m, "USD"), new Money(49.99m, "EUR"), new Money(20m, "GBP"), new Money(1234.5m, "JPY"), new Money(0.000001m, "USD"))
        select new TrackingEvent
        {
            EventId = id,
            Kind = EventKind.Conversion,
            OccurredAt = at,
            ReceivedAt = at.AddSeconds(1),
            ClickId = "k" + clickId.ToString(CultureInfo.InvariantCulture),
            OfferId = offer,
            AffiliateId = "postback-says",
            TransactionId = txn,
            Status = status,
            SaleAmount = sale,
        };

    /// <summary>
    /// A re-delivery of an event: identical; received later with a changed sub id (the original must win); or, for a
    /// click, received earlier with another click id (the copy must win, whichever arrives first).
    /// </summary>
    private static Gen<TrackingEvent> Duplicate(TrackingEvent e) =>
        Gen.Frequency(
            (3, Gen.Constant(e)),
            (1, Gen.Choose(1, 3_600).Select(s => e with { ReceivedAt = e.ReceivedAt.AddSeconds(s), Sub1 = "late-copy" })),
            (1, from ms in Gen.Choose(1, 900)
                from clickId in Gen.Choose(0, 18)
                select e.Kind == EventKind.Click ? e with { ReceivedAt = e.ReceivedAt.AddMilliseconds(-ms), ClickId = "k" + clickId.ToString(CultureInfo.InvariantCulture) } : e));

    public static Gen<MedallionScenario> Scenario =>
        from clicks in Gen.Choose(0, 25).SelectMany(n => Gen.ArrayOf(Click, n))
        from impressions in Gen.Choose(0, 12).SelectMany(n => Gen.ArrayOf(Impression, n))
        from conversions in Gen.Choose(0, 14).SelectMany(n => Gen.ArrayOf(Conversion, n))
        let distinct = clicks.Concat(impressions).Concat(conversions).ToArray()
        from dupIndexes in Gen.ArrayOf(Gen.Choose(0, Math.Max(0, distinct.Length - 1)), distinct.Length == 0 ? 0 : distinct.Length / 3)
        from dups in Gen.CollectToArray(dupIndexes.Select(i => Duplicate(distinct[i])))
        from order in Gen.Shuffle(distinct.Concat(dups).ToArray())
        from runs in Gen.Choose(1, 4)
        from cuts in Gen.ArrayOf(Gen.Choose(0, order.Length), runs - 1)
        from flushes in Gen.Choose(1, 3)
        select new MedallionScenario(order, [.. cuts.Order()], flushes);

    public static IEnumerable<TrackingEvent[]> Batches(MedallionScenario s)
    {
        var start = 0;
        foreach (var cut in s.RunCuts.Append(s.Events.Length))
        {
            yield return s.Events[start..cut];
            start = cut;
        }
    }
}

public static class MedallionArbitraries
{
    public static Arbitrary<MedallionScenario> Scenarios() => Arb.From(MedallionGenerators.Scenario);
}

/// <summary>Writes bronze, runs the engine and reads its output, all through real files.</summary>
public sealed class MedallionLake : IDisposable
{
    private readonly TempDirectory _dir = new();
    private long _position;

    public MedallionLake() => Store = new LocalDiskBlobStore(_dir.Path);

    public LocalDiskBlobStore Store { get; }

    public TestOfferCatalog Catalog { get; } = TestCatalog.Create();

    public MedallionOptions Options { get; } = TestCatalog.Options();

    public InProcessMedallionEngine Engine(IBlobStore? store = null, InProcessMedallionOptions? options = null) =>
        new(store ?? Store, Catalog, Options, options ?? new InProcessMedallionOptions { RowGroupRows = 5 });

    /// <summary>Appends events to bronze in <paramref name="flushes"/> separate files per partition.</summary>
    public async Task<IReadOnlyList<string>> WriteBronzeAsync(IReadOnlyList<TrackingEvent> events, int flushes = 1)
    {
        var writer = new ParquetLakeWriter(Store, new ParquetLakeOptions());
        await using var scope = writer.ConfigureAwait(false);
        var files = new List<string>();
        var per = Math.Max(1, (events.Count + flushes - 1) / flushes);
        for (var start = 0; start < events.Count; start += per)
        {
            var records = events.Skip(start).Take(per)
                .Select(e => new BronzeRecord(e, new IngestionInfo("events", "0", (_position++).ToString(CultureInfo.InvariantCulture), e.ReceivedAt)))
                .ToList();
            await writer.AppendAsync(records, [], default);
            files.AddRange((await writer.FlushAsync(default)).Files);
        }

        return files;
    }

    public Task<IReadOnlyDictionary<GoldKey, GoldMetrics>> GoldAsync(GoldGrain grain) => GoldParquet.ReadAsync(Store, grain, default);

    public async Task<List<SilverConversion>> SilverConversionsAsync(GoldGrain grain)
    {
        var rows = new List<SilverConversion>();
        await foreach (var item in Store.ListAsync(SilverConversionsParquet.TablePrefix, default))
        {
            await using var stream = (await Store.OpenReadAsync(item.Key, default))!;
            rows.AddRange((await SilverConversionsParquet.ReadAsync(stream, default)).Select(r => r.ToSilver(grain)));
        }

        rows.Sort((a, b) => a.EventId.CompareTo(b.EventId));
        return rows;
    }

    /// <summary>Every committed key outside staging with its modification time.</summary>
    public async Task<Dictionary<string, DateTimeOffset>> SnapshotAsync(string prefix = "")
    {
        var keys = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        await foreach (var item in Store.ListAsync(prefix, default))
        {
            keys[item.Key] = item.LastModified;
        }

        return keys;
    }

    public void Dispose() => _dir.Dispose();
}

/// <summary>A store that fails the Nth commit (before or after making it visible), as a crash or cancellation would.</summary>
public sealed class FailingStore(IBlobStore inner, int failAtCommit, bool afterCommit) : IBlobStore
{
    private readonly int _failAt = failAtCommit;
    private readonly bool _afterCommit = afterCommit;
    private int _commits;

    public bool Failed { get; private set; }

    public async ValueTask<IBlobUpload> StartUploadAsync(string key, CancellationToken cancellationToken) =>
        new Upload(this, await inner.StartUploadAsync(key, cancellationToken));

    public ValueTask<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken) => inner.OpenReadAsync(key, cancellationToken);

    public IAsyncEnumerable<BlobItem> ListAsync(string prefix, CancellationToken cancellationToken) => inner.ListAsync(prefix, cancellationToken);

    public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken) => inner.DeleteAsync(key, cancellationToken);

    private sealed class Upload(FailingStore owner, IBlobUpload inner) : IBlobUpload
    {
        public Stream Content => inner.Content;

        public async ValueTask<BlobItem> CommitAsync(CancellationToken cancellationToken)
        {
            var n = Interlocked.Increment(ref owner._commits);
            if (n == owner._failAt && !owner._afterCommit)
            {
                owner.Failed = true;
                throw new OperationCanceledException("Injected cancellation before commit " + n);
            }

            var item = await inner.CommitAsync(cancellationToken);
            if (n == owner._failAt)
            {
                owner.Failed = true;
                throw new OperationCanceledException("Injected cancellation after commit " + n);
            }

            return item;
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
