using System.Diagnostics.Metrics;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.Kafka;
using Affiliate.Sdk.Lake.Parquet;
using Affiliate.Sdk.Pipeline;
using BenchmarkDotNet.Attributes;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.Benchmarks;

/// <summary>
/// Stream → lake on Kafka: the Kafka source feeding the real stream-to-lake worker and Parquet lake writer (parse,
/// validate, encode, fsync, commit offsets after the lake commit), against the raw Confluent consumer reading the same
/// records and committing the same way without a lake (the baseline). Each run reads the topic from the start as a
/// new consumer group; the group join happens before the measurement. Results are per event.
/// Run: dotnet run -c Release --project benchmarks/Affiliate.Sdk.Benchmarks -- --filter '*KafkaSourceToLake*' --job short
/// </summary>
[MemoryDiagnoser]
public class KafkaSourceToLakeBenchmarks
{
    private const int Events = 200_000;

    // The worker flushes once the stream has been idle this long; at the end of the backlog that wait is not throughput
    // (with the default of 1 s it alone added 5 µs to each of the 200,000 events), so the benchmark keeps it short.
    private static readonly TimeSpan IdleWait = TimeSpan.FromMilliseconds(50);

    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private IProducer<byte[], byte[]>? _cluster;
    private string _bootstrap = string.Empty;
    private string _topic = string.Empty;
    private string _dir = string.Empty;
    private KafkaEventSource? _source;
    private IConsumer<Ignore, byte[]>? _raw;
    private int _primed;
    private int _run;

    [GlobalSetup]
    public void Setup()
    {
        var host = new ProducerConfig { BootstrapServers = "localhost:1" };
        host.Set("test.mock.num.brokers", "3");
        _cluster = new ProducerBuilder<byte[], byte[]>(host).Build();
        using var admin = new DependentAdminClientBuilder(_cluster.Handle).Build();
        _bootstrap = string.Join(",", admin.GetMetadata(TimeSpan.FromSeconds(10)).Brokers.Select(b => $"{b.Host}:{b.Port}"));
        _topic = "bench-lake-" + Guid.NewGuid().ToString("N");
        _dir = Path.Combine(Path.GetTempPath(), "affiliate-kafka-lake-bench", Guid.NewGuid().ToString("N"));

        var options = Options("fill");
        using var producer = new ProducerBuilder<byte[], byte[]>(KafkaClientConfig.ForProducer(options)).Build();
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < Events; i++)
        {
            var message = KafkaEventPublisher.CreateMessage(Event(i, now));
            while (true)
            {
                try
                {
                    producer.Produce(_topic, message);
                    break;
                }
                catch (ProduceException<byte[], byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
                {
                    // On a busy machine the mock cluster falls behind: let deliveries drain, then retry.
                    producer.Poll(TimeSpan.FromMilliseconds(100));
                }
            }

            if (i % 10_000 == 0)
            {
                producer.Poll(TimeSpan.Zero);
            }
        }

        producer.Flush(TimeSpan.FromMinutes(1));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _cluster?.Dispose();
        _services.Dispose();
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [IterationSetup(Target = nameof(RawConsumer))]
    public void JoinRaw()
    {
        var config = KafkaClientConfig.ForConsumer(Options("raw-" + Guid.NewGuid().ToString("N")));
        _raw = new ConsumerBuilder<Ignore, byte[]>(config).Build();
        _raw.Subscribe(_topic);
        _primed = 0;
        while (_raw.Consume(TimeSpan.FromMilliseconds(100)) is null)
        {
        }

        _primed = 1;
    }

    [IterationCleanup(Target = nameof(RawConsumer))]
    public void LeaveRaw()
    {
        _raw!.Close();
        _raw.Dispose();
    }

    [IterationSetup(Targets = [nameof(SourceToLake), nameof(SourceAlone)])]
    public void JoinSource()
    {
        _source = new KafkaEventSource(Options("lake-" + Guid.NewGuid().ToString("N")));
        var primed = _source.ReadAsync(1, TimeSpan.FromSeconds(30), default).AsTask().GetAwaiter().GetResult();
        _primed = primed.Records.Count;
    }

    [IterationCleanup(Targets = [nameof(SourceToLake), nameof(SourceAlone)])]
    public void LeaveSource() => _source!.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Baseline = true, OperationsPerInvoke = Events, Description = "raw Confluent consumer, commit per 5,000")]
    public void RawConsumer()
    {
        var read = _primed;
        while (read < Events)
        {
            if (_raw!.Consume(TimeSpan.FromMilliseconds(100)) is { IsPartitionEOF: false } result)
            {
                read++;
                if (read % 5_000 == 0)
                {
                    _raw.Commit(result);
                }
            }
        }
    }

    [Benchmark(OperationsPerInvoke = Events, Description = "Kafka source alone, commit per batch of 5,000")]
    public async Task SourceAlone()
    {
        var read = _primed;
        while (read < Events)
        {
            var batch = await _source!.ReadAsync(5_000, TimeSpan.FromSeconds(1), default);
            read += batch.Records.Count;
            await _source.CommitAsync(batch.Checkpoint, default);
        }
    }

    [Benchmark(OperationsPerInvoke = Events, Description = "Kafka source → stream-to-lake worker → Parquet")]
    public async Task SourceToLake()
    {
        var meters = _services.GetRequiredService<IMeterFactory>();
        var landed = 0L;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Name == "affiliate.sdk.lake.events.landed")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) =>
        {
            if (Interlocked.Add(ref landed, value) >= Events - _primed)
            {
                done.TrySetResult();
            }
        });
        listener.Start();

        var lake = new ParquetLakeOptions { Root = Path.Combine(_dir, (++_run).ToString(System.Globalization.CultureInfo.InvariantCulture)) };
        await using var writer = new ParquetLakeWriter(new LocalDiskBlobStore(lake.Root), lake);
        using var worker = new StreamToLakeWorker(
            _source!,
            writer,
            Microsoft.Extensions.Options.Options.Create(new StreamToLakeOptions { BatchSize = 5_000, MaxWait = IdleWait }),
            meters,
            NullLogger<StreamToLakeWorker>.Instance);
        await worker.StartAsync(default);
        await done.Task;
        await worker.StopAsync(default);
    }

    private KafkaOptions Options(string group)
    {
        var options = new KafkaOptions { BootstrapServers = _bootstrap, Topic = _topic, GroupId = group };
        options.Consumer["session.timeout.ms"] = "6000";
        options.Consumer["heartbeat.interval.ms"] = "300";
        return options;
    }

    private static TrackingEvent Event(int i, DateTimeOffset now) => new()
    {
        EventId = Guid.CreateVersion7(now),
        Kind = (i % 3) switch { 0 => EventKind.Impression, 1 => EventKind.Click, _ => EventKind.Conversion },
        OccurredAt = now.AddMilliseconds(-i),
        ReceivedAt = now,
        ClickId = $"AQEBmZtR8e3mQqGd5Yb0x1k2{i:D8}cDeFgHiJ",
        OfferId = $"offer-{i % 50}",
        AffiliateId = $"aff-{i % 400}",
        Sub1 = "spring-sale",
        Status = i % 3 == 2 ? ConversionStatus.Approved : null,
        Payout = i % 3 == 2 ? new Money(4.5m, "USD") : null,
        Country = "DE",
        IpHash = "3f0c8a2e9b1d4c6f",
        UserAgent = "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0",
    };
}
