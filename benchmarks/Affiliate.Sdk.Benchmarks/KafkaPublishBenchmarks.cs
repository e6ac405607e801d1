using Affiliate.Sdk.Events;
using Affiliate.Sdk.Json;
using Affiliate.Sdk.Kafka;
using BenchmarkDotNet.Attributes;
using Confluent.Kafka;

namespace Affiliate.Sdk.Benchmarks;

/// <summary>
/// Publisher throughput against librdkafka's in-process mock cluster (3 brokers, real protocol): the SDK publisher
/// (serialise, key, headers, acks=all idempotent, completion per batch) against the raw Confluent.Kafka producer
/// sending the same pre-built records (key, value, headers) with the same settings (the baseline).
/// Run: dotnet run -c Release --project benchmarks/Affiliate.Sdk.Benchmarks -- --filter '*KafkaPublish*' --job short
/// </summary>
[MemoryDiagnoser]
public class KafkaPublishBenchmarks
{
    private const int Events = 50_000;
    private const int BatchSize = 500;

    private IProducer<byte[], byte[]>? _cluster;
    private IProducer<byte[], byte[]>? _raw;
    private KafkaEventPublisher? _publisher;
    private TrackingEvent[][] _batches = [];
    private Message<byte[], byte[]>[] _messages = [];
    private string _topic = string.Empty;

    /// <summary>Bytes of one serialised event (about 300).</summary>
    public static int EventBytes { get; private set; }

    [GlobalSetup]
    public void Setup()
    {
        var host = new ProducerConfig { BootstrapServers = "localhost:1" };
        host.Set("test.mock.num.brokers", "3");
        _cluster = new ProducerBuilder<byte[], byte[]>(host).Build();
        using var admin = new DependentAdminClientBuilder(_cluster.Handle).Build();
        var metadata = admin.GetMetadata(TimeSpan.FromSeconds(10));
        var bootstrap = string.Join(",", metadata.Brokers.Select(b => $"{b.Host}:{b.Port}"));
        _topic = "bench-" + Guid.NewGuid().ToString("N");

        var options = new KafkaOptions { BootstrapServers = bootstrap, Topic = _topic };
        _publisher = new KafkaEventPublisher(options);
        _raw = new ProducerBuilder<byte[], byte[]>(KafkaClientConfig.ForProducer(options)).Build();

        var now = DateTimeOffset.UtcNow;
        var events = Enumerable.Range(0, Events).Select(i => Event(i, now)).ToArray();
        _batches = events.Chunk(BatchSize).ToArray();
        // The same records on the wire: key, value and headers exactly as the SDK writes them.
        _messages = events.Select(KafkaEventPublisher.CreateMessage).ToArray();
        EventBytes = _messages[0].Value.Length;

        // Auto-create the topic and warm both clients' connections.
        _raw.ProduceAsync(_topic, _messages[0]).GetAwaiter().GetResult();
        _publisher.PublishAsync(events[0], default).AsTask().GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _publisher?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _raw?.Dispose();
        _cluster?.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Events, Description = "raw Confluent producer, same bytes")]
    public async Task RawProducer()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var remaining = _messages.Length;
        Action<DeliveryReport<byte[], byte[]>> handler = report =>
        {
            if (report.Error.IsError)
            {
                done.TrySetException(new KafkaException(report.Error));
            }
            else if (Interlocked.Decrement(ref remaining) == 0)
            {
                done.TrySetResult();
            }
        };
        foreach (var message in _messages)
        {
            _raw!.Produce(_topic, message, handler);
        }

        await done.Task;
    }

    [Benchmark(OperationsPerInvoke = Events, Description = "SDK KafkaEventPublisher, batches of 500")]
    public async Task SdkPublisher()
    {
        var pending = new Task[_batches.Length];
        for (var i = 0; i < _batches.Length; i++)
        {
            pending[i] = _publisher!.PublishBatchAsync(_batches[i], default).AsTask();
        }

        await Task.WhenAll(pending);
    }

    private static TrackingEvent Event(int i, DateTimeOffset now) => new()
    {
        EventId = Guid.CreateVersion7(now),
        Kind = EventKind.Click,
        OccurredAt = now,
        ReceivedAt = now,
        ClickId = $"AQEBmZtR8e3mQqGd5Yb0x1k2{i:D8}cDeFgHiJ",
        OfferId = $"offer-{i % 50}",
        AffiliateId = $"aff-{i % 400}",
        Sub1 = "spring-sale",
        Country = "DE",
        IpHash = "3f0c8a2e9b1d4c6f",
        UserAgent = "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0",
    };
}
