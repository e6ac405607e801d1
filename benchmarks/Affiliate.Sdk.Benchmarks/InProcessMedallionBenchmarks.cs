using System.Diagnostics;
using System.Globalization;
using Affiliate.Sdk.Testing;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.Lake.Parquet;
using Affiliate.Sdk.Lake.Parquet.Medallion;
using Affiliate.Sdk.Medallion;
using Affiliate.Sdk.Offers;
using Affiliate.Sdk.Pipeline;
using BenchmarkDotNet.Attributes;

namespace Affiliate.Sdk.Benchmarks;

/// <summary>
/// The in-process medallion engine on generated bronze (70 % clicks, 29 % impressions, 1 % conversions, 2 % re-delivered
/// duplicates, over several UTC days): a full run from empty state, and an incremental run adding 1 % new events, against
/// the floor of reading every bronze row once.
/// </summary>
[MemoryDiagnoser]
public class InProcessMedallionBenchmarks
{
    private const int Events = 100_000;
    private string _dir = string.Empty;
    private string _prepared = string.Empty;
    private string _work = string.Empty;

    [GlobalSetup]
    public void Setup()
    {
        _dir = Path.Combine(Path.GetTempPath(), "affiliate-medallion-bench", Guid.NewGuid().ToString("N"));
        _prepared = Path.Combine(_dir, "prepared");
        _work = Path.Combine(_dir, "work");

        // The prepared lake: 99 % of the events processed, then 1 % more landed in bronze and not yet processed.
        var store = new LocalDiskBlobStore(_prepared);
        MedallionBenchData.WriteBronzeAsync(store, Events * 99 / 100, days: 3, seed: 7, firstIndex: 0).GetAwaiter().GetResult();
        MedallionBenchData.Engine(store).RunAsync(default).AsTask().GetAwaiter().GetResult();
        MedallionBenchData.WriteBronzeAsync(store, Events / 100, days: 1, seed: 8, firstIndex: Events, fromDay: 2).GetAwaiter().GetResult();
    }

    [IterationSetup(Targets = [nameof(ReadBronze), nameof(FullRun)])]
    public void FreshLake()
    {
        Restore();
        foreach (var folder in new[] { "silver", "gold", "_state" })
        {
            var path = Path.Combine(_work, folder);
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
    }

    [IterationSetup(Target = nameof(IncrementalRun))]
    public void PreparedLake() => Restore();

    /// <summary>The floor: every bronze row read and decoded once.</summary>
    [Benchmark(Baseline = true)]
    public async Task<long> ReadBronze()
    {
        long n = 0;
        await foreach (var row in new BronzeReader(new LocalDiskBlobStore(_work)).ReadEventsAsync(default))
        {
            n += row.Event.IsBot ? 0 : 1;
        }

        return n;
    }

    /// <summary>Every bronze file into silver and gold from empty state.</summary>
    [Benchmark]
    public async Task<int> FullRun() => (await MedallionBenchData.Engine(new LocalDiskBlobStore(_work)).RunAsync(default)).GoldPartitionsWritten;

    /// <summary>1 % new events (all on the last day, as fresh traffic is) into a lake already holding 99 %.</summary>
    [Benchmark]
    public async Task<int> IncrementalRun() => (await MedallionBenchData.Engine(new LocalDiskBlobStore(_work)).RunAsync(default)).GoldPartitionsWritten;

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    private void Restore()
    {
        if (Directory.Exists(_work))
        {
            Directory.Delete(_work, recursive: true);
        }

        foreach (var file in Directory.EnumerateFiles(_prepared, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(_work, Path.GetRelativePath(_prepared, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}

/// <summary>
/// Scale: one full run over 1 or 10 million generated events (≈ 1 % conversions) over 30 UTC days, then an incremental
/// run of 1 % more. Reports the run time (the benchmark) and prints the peak working set and managed heap sampled
/// during the runs (lines starting with <c>// medallion-scale</c> in the benchmark log). One cold run is the measurement
/// (out of process: the in-process toolchain gives up on runs longer than a few minutes):
/// <c>MEDALLION_SCALE_EVENTS=10000000 dotnet run -c Release --project benchmarks/Affiliate.Sdk.Benchmarks -- --filter '*InProcessMedallionScale*'
/// --strategy ColdStart --launchCount 1 --warmupCount 0 --iterationCount 1</c>.
/// </summary>
public class InProcessMedallionScaleBenchmarks
{
    private string _dir = string.Empty;
    private LocalDiskBlobStore? _store;

    /// <summary>Events in bronze: 1 million, or the comma-separated counts in <c>MEDALLION_SCALE_EVENTS</c> (e.g. <c>10000000</c>).</summary>
    [ParamsSource(nameof(EventCounts))]
    public int Events { get; set; }

    /// <summary>The event counts to run.</summary>
    public static IEnumerable<int> EventCounts() =>
        Environment.GetEnvironmentVariable("MEDALLION_SCALE_EVENTS") is { Length: > 0 } counts
            ? counts.Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture))
            : [1_000_000];

    [GlobalSetup]
    public void Setup()
    {
        // MEDALLION_SCALE_LAKE names a lake generated earlier for this count: its bronze is reused, its silver, gold and state dropped.
        if (Environment.GetEnvironmentVariable("MEDALLION_SCALE_LAKE") is { Length: > 0 } reuse && Directory.Exists(Path.Combine(reuse, "bronze")))
        {
            _dir = reuse;
            foreach (var folder in new[] { "silver", "gold", "_state" })
            {
                if (Directory.Exists(Path.Combine(reuse, folder)))
                {
                    Directory.Delete(Path.Combine(reuse, folder), recursive: true);
                }
            }

            _store = new LocalDiskBlobStore(_dir);
            return;
        }

        _dir = Path.Combine(Path.GetTempPath(), "affiliate-medallion-scale", Guid.NewGuid().ToString("N"));
        _store = new LocalDiskBlobStore(_dir);
        var sw = Stopwatch.StartNew();
        MedallionBenchData.WriteBronzeAsync(_store, Events, days: 30, seed: 11, firstIndex: 0).GetAwaiter().GetResult();
        Console.WriteLine($"// medallion-scale bronze written: {Events:N0} events in {sw.Elapsed.TotalSeconds:F1} s");
        GC.Collect();
    }

    /// <summary>The full run (baseline: there is only one case per event count).</summary>
    [Benchmark(Baseline = true)]
    public async Task<int> FullRun()
    {
        using var sampler = new PeakSampler();
        var result = await MedallionBenchData.Engine(_store!).RunAsync(default);
        Console.WriteLine(
            $"// medallion-scale full run: {Events:N0} events, {result.BronzeFilesProcessed} files, {result.GoldPartitionsWritten} gold partitions, "
            + $"{result.Elapsed.TotalSeconds:F1} s, peak working set {sampler.PeakWorkingSet / 1048576.0:F0} MiB, peak managed heap {sampler.PeakManaged / 1048576.0:F0} MiB, "
            + $"process peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:F0} MiB");
        return result.GoldPartitionsWritten;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        // An incremental run of 1 % more events, on the last day as fresh traffic is, on the lake the full run left.
        MedallionBenchData.WriteBronzeAsync(_store!, Events / 100, days: 1, seed: 12, firstIndex: Events, fromDay: 29).GetAwaiter().GetResult();
        using (var sampler = new PeakSampler())
        {
            var result = MedallionBenchData.Engine(_store!).RunAsync(default).AsTask().GetAwaiter().GetResult();
            Console.WriteLine(
                $"// medallion-scale incremental run: {Events / 100:N0} new events, {result.BronzeFilesProcessed} files, {result.GoldPartitionsWritten} gold partitions, "
                + $"{result.Elapsed.TotalSeconds:F1} s, peak working set {sampler.PeakWorkingSet / 1048576.0:F0} MiB");
        }

        if (Environment.GetEnvironmentVariable("MEDALLION_SCALE_LAKE") is not { Length: > 0 })
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    /// <summary>Samples the working set and managed heap every 50 ms.</summary>
    private sealed class PeakSampler : IDisposable
    {
        private readonly Timer _timer;

        public PeakSampler()
        {
            _timer = new Timer(_ => Sample(), null, 0, 50);
        }

        public long PeakWorkingSet { get; private set; }

        public long PeakManaged { get; private set; }

        public void Dispose()
        {
            _timer.Dispose();
            Sample();
        }

        private void Sample()
        {
            using var process = Process.GetCurrentProcess();
            PeakWorkingSet = Math.Max(PeakWorkingSet, process.WorkingSet64);
            PeakManaged = Math.Max(PeakManaged, GC.GetTotalMemory(false));
        }
    }
}

/// <summary>Generated bronze for the medallion benchmarks.</summary>
internal static class MedallionBenchData
{
    private const int Chunk = 200_000;

    /// <summary>The offers of the generated events.</summary>
    public static IOfferCatalog Catalog { get; } = new TestOfferCatalog([.. Enumerable.Range(0, 50).Select(i => new Offer
    {
        Id = "offer-" + i.ToString(CultureInfo.InvariantCulture),
        AdvertiserId = "adv",
        UrlTemplate = "https://example.test/",
        Currency = i % 5 == 0 ? "EUR" : "USD",
        Revenue = i % 2 == 0 ? new CommissionRule(CommissionKind.Flat, 12m) : new CommissionRule(CommissionKind.RevenueShare, 10m),
        Payout = new CommissionRule(CommissionKind.Flat, 8m),
    })]);

    /// <summary>Report currency USD, EUR at 1.08.</summary>
    public static MedallionOptions Medallion { get; } = CreateMedallion();

    public static InProcessMedallionEngine Engine(IBlobStore store) => new(store, Catalog, Medallion);

    private static MedallionOptions CreateMedallion()
    {
        var options = new MedallionOptions { ReportCurrency = "USD" };
        options.ExchangeRates["EUR"] = 1.08m;
        return options;
    }

    /// <summary>Writes events through the lake writer in chunks, so generation itself stays small in memory.</summary>
    public static async Task WriteBronzeAsync(IBlobStore store, int events, int days, int seed, int firstIndex, int fromDay = 0)
    {
        var random = new Random(seed);
        var start = new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero).AddDays(fromDay);
        var span = TimeSpan.FromDays(days).Ticks;
        var writer = new ParquetLakeWriter(store, new ParquetLakeOptions());
        await using var scope = writer.ConfigureAwait(false);
        var rows = new List<BronzeRecord>(Chunk);
        for (var i = 0; i < events; i++)
        {
            var index = firstIndex + i;
            var occurred = start.AddTicks((long)((Int128)span * i / events)).AddTicks(random.Next(600_000_000) / 10 * 10);
            var roll = random.Next(1000);
            var kind = roll < 10 ? EventKind.Conversion : roll < 300 ? EventKind.Impression : EventKind.Click;
            var e = new TrackingEvent
            {
                EventId = Guid.CreateVersion7(occurred),
                Kind = kind,
                OccurredAt = occurred,
                ReceivedAt = occurred.AddMilliseconds(random.Next(500)),
                ClickId = kind switch
                {
                    EventKind.Click => "clk_" + index.ToString(CultureInfo.InvariantCulture),
                    EventKind.Conversion when random.Next(10) > 0 => "clk_" + Math.Max(0, index - random.Next(1, 50_000)).ToString(CultureInfo.InvariantCulture),
                    EventKind.Conversion => "clk_unknown_" + index.ToString(CultureInfo.InvariantCulture),
                    _ => null,
                },
                OfferId = "offer-" + random.Next(50).ToString(CultureInfo.InvariantCulture),
                AffiliateId = "aff-" + random.Next(200).ToString(CultureInfo.InvariantCulture),
                CampaignId = random.Next(4) == 0 ? null : "camp-" + random.Next(10).ToString(CultureInfo.InvariantCulture),
                Sub1 = "s" + random.Next(20).ToString(CultureInfo.InvariantCulture),
                Sub2 = random.Next(2) == 0 ? null : "mobile",
                TransactionId = kind == EventKind.Conversion ? "T-" + (index - random.Next(3)).ToString(CultureInfo.InvariantCulture) : null,
                Status = kind == EventKind.Conversion ? (ConversionStatus)(1 + (random.Next(10) switch { < 7 => 0, < 9 => 1, _ => 2 })) : null,
                SaleAmount = kind == EventKind.Conversion ? new Money(random.Next(1, 100_000) / 100m, random.Next(5) == 0 ? "EUR" : "USD") : null,
                IpHash = random.Next(100_000).ToString("x8", CultureInfo.InvariantCulture),
                UserAgent = "Mozilla/5.0 (Linux; Android 14) Chrome/13" + random.Next(10).ToString(CultureInfo.InvariantCulture) + ".0 Mobile",
                Country = random.Next(3) switch { 0 => "US", 1 => "DE", _ => "BR" },
                IsBot = random.Next(50) == 0,
            };
            var record = new BronzeRecord(e, new IngestionInfo("local_log", "0", index.ToString(CultureInfo.InvariantCulture), occurred.AddSeconds(1)));
            rows.Add(record);
            if (random.Next(50) == 0)
            {
                rows.Add(record); // at-least-once delivery
            }

            if (rows.Count >= Chunk)
            {
                await FlushAsync(writer, rows).ConfigureAwait(false);
            }
        }

        await FlushAsync(writer, rows).ConfigureAwait(false);
    }

    private static async Task FlushAsync(ParquetLakeWriter writer, List<BronzeRecord> rows)
    {
        await writer.AppendAsync(rows, [], default).ConfigureAwait(false);
        await writer.FlushAsync(default).ConfigureAwait(false);
        rows.Clear();
    }
}
