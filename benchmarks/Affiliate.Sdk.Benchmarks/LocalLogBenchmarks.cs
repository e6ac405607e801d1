using Affiliate.Sdk.Events;
using Affiliate.Sdk.Json;
using Affiliate.Sdk.LocalLog;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Affiliate.Sdk.Benchmarks;

/// <summary>
/// Durable appends of ~300-byte events to the local log (fsync on, group commit). Each figure is the time per record,
/// so records/s = 1 / Mean. The baseline is one appender awaiting each record: one fsync per record.
/// Run: dotnet run -c Release --project benchmarks/Affiliate.Sdk.Benchmarks -- --filter '*LocalLog*' --job short
/// </summary>
[MemoryDiagnoser]
public class LocalLogBenchmarks
{
    private const int Appenders = 64;
    private const int SingleAppendsPerAppender = 32;
    private const int BatchSize = 16;
    private const int BatchesPerAppender = 8;
    private const int LargeBatchSize = 64;
    private const int LargeBatchesPerAppender = 4;
    private const int BaselineRecords = 64;

    private string _directory = string.Empty;
    private DurableLog _log = null!;
    private DurableLog _unsyncedLog = null!;
    private LocalLogEventPublisher _publisher = null!;
    private byte[] _payload = [];
    private byte[] _batch = [];
    private int[] _lengths = [];
    private byte[] _largeBatch = [];
    private int[] _largeLengths = [];
    private TrackingEvent[] _events = [];

    private void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "affiliate-sdk-bench-log", Guid.NewGuid().ToString("N"));
        _log = DurableLog.Open(
            new DurableLogSettings(_directory, "bench", 64L * 1024 * 1024, Fsync: true, MaxBatchBytes: 4 * 1024 * 1024, MaxRecordBytes: 1024 * 1024, Consumers: ["bench"]),
            NullLogger.Instance);
        _unsyncedLog = DurableLog.Open(
            new DurableLogSettings(Path.Combine(_directory, "unsynced"), "bench-unsynced", 64L * 1024 * 1024, Fsync: false, MaxBatchBytes: 4 * 1024 * 1024, MaxRecordBytes: 1024 * 1024, Consumers: ["bench"]),
            NullLogger.Instance);
        _publisher = new LocalLogEventPublisher(_log);
        var sample = new TrackingEvent
        {
            EventId = Guid.CreateVersion7(),
            Kind = EventKind.Click,
            OccurredAt = DateTimeOffset.UtcNow,
            ReceivedAt = DateTimeOffset.UtcNow,
            ClickId = "AQAAAZLx3k9yPq8v3n2a7YbVtQ2x9K1m",
            OfferId = "offer-1042",
            AffiliateId = "aff-77",
            CampaignId = "summer-sale",
            Sub1 = "email",
            Sub2 = "newsletter-2026-11",
            IpHash = "b1946ac92492d2347c6235b4d2611184",
            UserAgent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36",
            Country = "DE",
        };
        _payload = TrackingEventSerializer.SerializeToUtf8Bytes(sample);
        _batch = [.. Enumerable.Repeat(_payload, BatchSize).SelectMany(p => p)];
        _lengths = [.. Enumerable.Repeat(_payload.Length, BatchSize)];
        _events = [.. Enumerable.Repeat(sample, BatchSize)];
        _largeBatch = [.. Enumerable.Repeat(_payload, LargeBatchSize).SelectMany(p => p)];
        _largeLengths = [.. Enumerable.Repeat(_payload.Length, LargeBatchSize)];
    }

    /// <summary>
    /// Keeps the disk use flat like a real consumer would: once a second the bench consumer commits the end of the
    /// log, so sealed segments are deleted (that commit's fsyncs compete with the appends, as in production).
    /// </summary>
    private Timer? _retention;

    [GlobalSetup]
    public void StartRetention()
    {
        Setup();
        _retention = new Timer(
            _ =>
            {
                _ = _log.CommitAsync("bench", _log.DurableNextOffset, CancellationToken.None).AsTask();
                _ = _unsyncedLog.CommitAsync("bench", _unsyncedLog.DurableNextOffset, CancellationToken.None).AsTask();
            },
            null,
            1000,
            1000);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _retention?.Dispose();
        _log.Dispose();
        _unsyncedLog.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = BaselineRecords)]
    public async Task One_appender_awaiting_each_record()
    {
        for (var i = 0; i < BaselineRecords; i++)
        {
            await _log.AppendAsync(_payload, CancellationToken.None);
        }
    }

    [Benchmark(OperationsPerInvoke = Appenders * SingleAppendsPerAppender)]
    public Task Appenders_64_single_appends() => RunAppenders(async () =>
    {
        for (var i = 0; i < SingleAppendsPerAppender; i++)
        {
            await _log.AppendAsync(_payload, CancellationToken.None);
        }
    });

    /// <summary>
    /// Single appends with a live cancellation token, as every request of a web endpoint passes (RequestAborted): the
    /// allocation column shows what waiting cancellably costs per append.
    /// </summary>
    [Benchmark(OperationsPerInvoke = Appenders * SingleAppendsPerAppender)]
    public Task Appenders_64_single_appends_cancellable() => RunAppenders(async () =>
    {
        using var cancellation = new CancellationTokenSource();
        for (var i = 0; i < SingleAppendsPerAppender; i++)
        {
            await _log.AppendAsync(_payload, cancellation.Token);
        }
    });

    /// <summary>Single appends without fsync: what each append's hand-offs cost (not a durable figure).</summary>
    [Benchmark(OperationsPerInvoke = Appenders * SingleAppendsPerAppender)]
    public Task Appenders_64_single_appends_without_fsync() => RunAppenders(async () =>
    {
        for (var i = 0; i < SingleAppendsPerAppender; i++)
        {
            await _unsyncedLog.AppendAsync(_payload, CancellationToken.None);
        }
    });

    [Benchmark(OperationsPerInvoke = Appenders * BatchesPerAppender * BatchSize)]
    public Task Appenders_64_batches_of_16() => RunAppenders(async () =>
    {
        for (var i = 0; i < BatchesPerAppender; i++)
        {
            await _log.AppendBatchAsync(_batch, _lengths, CancellationToken.None);
        }
    });

    [Benchmark(OperationsPerInvoke = Appenders * LargeBatchesPerAppender * LargeBatchSize)]
    public Task Appenders_64_batches_of_64() => RunAppenders(async () =>
    {
        for (var i = 0; i < LargeBatchesPerAppender; i++)
        {
            await _log.AppendBatchAsync(_largeBatch, _largeLengths, CancellationToken.None);
        }
    });

    /// <summary>The same without fsync: what the group commit itself costs in CPU (not a durable figure).</summary>
    [Benchmark(OperationsPerInvoke = Appenders * BatchesPerAppender * BatchSize)]
    public Task Appenders_64_batches_of_16_without_fsync() => RunAppenders(async () =>
    {
        for (var i = 0; i < BatchesPerAppender; i++)
        {
            await _unsyncedLog.AppendBatchAsync(_batch, _lengths, CancellationToken.None);
        }
    });

    [Benchmark(OperationsPerInvoke = Appenders * BatchesPerAppender * BatchSize)]
    public Task Publishers_64_batches_of_16_events_serialised() => RunAppenders(async () =>
    {
        for (var i = 0; i < BatchesPerAppender; i++)
        {
            await _publisher.PublishBatchAsync(_events, CancellationToken.None);
        }
    });

    private static Task RunAppenders(Func<Task> appender)
    {
        var tasks = new Task[Appenders];
        for (var i = 0; i < tasks.Length; i++)
        {
            tasks[i] = Task.Run(appender);
        }

        return Task.WhenAll(tasks);
    }
}
