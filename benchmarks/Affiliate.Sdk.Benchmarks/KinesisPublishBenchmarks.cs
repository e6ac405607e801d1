using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.Kinesis;
using Affiliate.Sdk.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;

namespace Affiliate.Sdk.Benchmarks;

/// <summary>
/// Publishing ~300-byte events to kinesis-local (4 shards) through the batching publisher, with KPL aggregation
/// (default) against without it (baseline): time per event, and events per PutRecords call printed at cleanup.
/// Needs <c>npm ci --prefix tests/servers/kinesis-local</c> and Node.js.
/// Each invocation publishes 30,000 events to a fresh stream (the emulator slows down as a stream fills), enough for
/// aggregated calls to fill up to the 5 MiB call limit; the job is fixed (monitoring, no warm-up, 2 iterations)
/// because the un-aggregated baseline takes about a minute per invocation.
/// Run: dotnet run -c Release --project benchmarks/Affiliate.Sdk.Benchmarks -- --filter '*KinesisPublish*'
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 0, iterationCount: 2)]
public class KinesisPublishBenchmarks
{
    private const int EventsPerOperation = 30_000;
    private Process? _server;
    private KinesisOptions _options = null!;
    private readonly long[] _aggregatedTotals = new long[3];
    private readonly long[] _plainTotals = new long[3];
    private KinesisEventPublisher? _aggregated;
    private KinesisEventPublisher? _plain;
    private int _streams;
    private List<TrackingEvent> _events = null!;

    [GlobalSetup]
    public void Setup()
    {
        var package = FindPackage();
        var port = FreePort();
        var info = new ProcessStartInfo("node", "main.js") { WorkingDirectory = package, RedirectStandardOutput = true, RedirectStandardError = true };
        info.Environment["KINESIS_MOCK_PLAIN_PORT"] = port.ToString(CultureInfo.InvariantCulture);
        info.Environment["KINESIS_MOCK_TLS_PORT"] = FreePort().ToString(CultureInfo.InvariantCulture);
        info.Environment["INITIALIZE_STREAMS"] = "bench:4";
        _server = Process.Start(info)!;
        _server.OutputDataReceived += (_, _) => { };
        _server.ErrorDataReceived += (_, _) => { };
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();

        _options = new KinesisOptions
        {
            StreamName = "bench",
            Region = "us-east-1",
            ServiceUrl = new Uri($"http://127.0.0.1:{port}/"),
            AccessKeyId = "AKIDBENCH",
            SecretAccessKey = "bench",
            Linger = TimeSpan.FromMilliseconds(2),
        };
        var probe = new KinesisHttpClient(_options);
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (probe.ListShardsAsync("bench", CancellationToken.None).GetAwaiter().GetResult().Count == 4)
                {
                    break;
                }
            }
            catch (KinesisException) when (deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
            }

            Thread.Sleep(100);
        }

        probe.Dispose();
        var now = DateTimeOffset.UtcNow;
        _events = Enumerable.Range(0, EventsPerOperation).Select(i => new TrackingEvent
        {
            EventId = Guid.CreateVersion7(now),
            Kind = EventKind.Click,
            OccurredAt = now,
            ReceivedAt = now,
            ClickId = $"click-{i:D8}",
            OfferId = $"offer-{i % 7}",
            AffiliateId = $"aff-{i % 13}",
            Sub1 = "campaign-sub",
            Country = "DE",
            IpHash = "3f0c8a2e9b1d4c6f",
        }).ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"// kinesis event size: {_events.Average(e => TrackingEventSerializer.SerializeToUtf8Bytes(e).Length):F0} bytes of JSON"));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Report("aggregated", _aggregatedTotals);
        Report("plain", _plainTotals);
        if (_server is { HasExited: false })
        {
            _server.Kill(entireProcessTree: true);
            _server.WaitForExit(10_000);
        }

        _server?.Dispose();
    }

    /// <summary>A fresh 4-shard stream and publishers for it.</summary>
    [IterationSetup]
    public void NewStream()
    {
        var name = $"bench-{++_streams}";
        using (var client = new KinesisHttpClient(_options))
        {
            client.CallRawAsync("CreateStream", w => { w.WriteString("StreamName", name); w.WriteNumber("ShardCount", 4); }, CancellationToken.None).GetAwaiter().GetResult();
            var status = "";
            while (status != "ACTIVE")
            {
                Thread.Sleep(50);
                client.CallRawAsync("DescribeStreamSummary", w => w.WriteString("StreamName", name), CancellationToken.None, d =>
                    status = d.RootElement.GetProperty("StreamDescriptionSummary").GetProperty("StreamStatus").GetString() ?? "").GetAwaiter().GetResult();
            }
        }

        var aggregated = Options(name, aggregation: true);
        var plain = Options(name, aggregation: false);
        _aggregated = new KinesisEventPublisher(new KinesisHttpClient(aggregated), aggregated);
        _plain = new KinesisEventPublisher(new KinesisHttpClient(plain), plain);
    }

    /// <summary>Adds the iteration's counts to the totals.</summary>
    [IterationCleanup]
    public void EndStream()
    {
        foreach (var (publisher, totals) in new[] { (_aggregated!, _aggregatedTotals), (_plain!, _plainTotals) })
        {
            totals[0] += publisher.Events;
            totals[1] += publisher.Records;
            totals[2] += publisher.Calls;
            publisher.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>One record per event, up to 500 per call.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = EventsPerOperation)]
    public Task WithoutAggregation() => _plain!.PublishBatchAsync(_events, CancellationToken.None).AsTask();

    /// <summary>Events packed per shard into KPL aggregates of up to 51,200 bytes.</summary>
    [Benchmark(OperationsPerInvoke = EventsPerOperation)]
    public Task WithAggregation() => _aggregated!.PublishBatchAsync(_events, CancellationToken.None).AsTask();

    private static void Report(string name, long[] totals)
    {
        if (totals[2] > 0)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"// kinesis {name}: {totals[0]} events, {totals[1]} records, {totals[2]} PutRecords calls, {(double)totals[0] / totals[2]:F1} events per call, {(double)totals[0] / totals[1]:F1} events per record"));
        }
    }

    private KinesisOptions Options(string stream, bool aggregation) => new()
    {
        StreamName = stream,
        Region = _options.Region,
        ServiceUrl = _options.ServiceUrl,
        AccessKeyId = _options.AccessKeyId,
        SecretAccessKey = _options.SecretAccessKey,
        Linger = _options.Linger,
        Aggregation = aggregation,
    };

    private static string FindPackage()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "servers", "kinesis-local", "node_modules", "kinesis-local");
            if (File.Exists(Path.Combine(candidate, "main.js")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("kinesis-local is not installed: run `npm ci --prefix tests/servers/kinesis-local`.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
