using System.Globalization;
using System.Text;
using Affiliate.Sdk.DependencyInjection;
using Affiliate.Sdk.Pipeline;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.Tests.Pipeline;

public sealed class StreamToLakeWorkerTests : IDisposable
{
    private readonly ServiceProvider _metrics = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public void Dispose() => _metrics.Dispose();

    private StreamToLakeWorker Worker(IEventSource source, ILakeWriter writer, Action<StreamToLakeOptions>? configure = null)
    {
        var options = new StreamToLakeOptions
        {
            MaxWait = TimeSpan.FromMilliseconds(20),
            RetryInitialDelay = TimeSpan.FromMilliseconds(1),
            RetryMaxDelay = TimeSpan.FromMilliseconds(5),
            BatchSize = 7,
        };
        configure?.Invoke(options);
        return new StreamToLakeWorker(source, writer, Options.Create(options), _metrics.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), NullLogger<StreamToLakeWorker>.Instance);
    }

    private static StreamLog LogWith(int events, int partitions = 3)
    {
        var log = new StreamLog();
        for (var i = 0; i < events; i++)
        {
            log.Append((i % partitions).ToString(CultureInfo.InvariantCulture), StreamEvents.Payload(StreamEvents.Click(i)));
        }

        return log;
    }

    /// <summary>Every record at or before a committed position must already be visible in the lake.</summary>
    private static void AssertCheckpointCoveredByLake(StreamLog log, MemoryLakeWriter lake, SourceCheckpoint checkpoint)
    {
        var (rows, rejects) = lake.Snapshot();
        var visible = rows.Select(r => (r.Ingestion.Partition, r.Ingestion.Position))
            .Concat(rejects.Select(r => (r.Ingestion.Partition, r.Ingestion.Position)))
            .ToHashSet();
        foreach (var (partition, position) in checkpoint.Positions)
        {
            for (var i = 0; i <= int.Parse(position, CultureInfo.InvariantCulture); i++)
            {
                Assert.Contains((partition, i.ToString(CultureInfo.InvariantCulture)), visible);
            }
        }
    }

    [Fact]
    public async Task Events_land_in_the_lake_before_their_checkpoint_is_committed()
    {
        var log = LogWith(100);
        var lake = new MemoryLakeWriter { DueAtRows = 20 };
        var violations = 0;
        var source = new ListEventSource(log, cp =>
        {
            try
            {
                AssertCheckpointCoveredByLake(log, lake, cp);
            }
            catch (Xunit.Sdk.XunitException)
            {
                Interlocked.Increment(ref violations);
            }
        });
        var worker = Worker(source, lake);

        await worker.StartAsync(default);
        await StreamEvents.Eventually(() => { lock (log) { return log.Committed.Values.Sum(c => c + 1) == 100; } }, "every record is checkpointed");
        await worker.StopAsync(default);

        Assert.Equal(0, violations);
        Assert.Equal(100, lake.Snapshot().Rows.Select(r => r.Event.EventId).Distinct().Count());
        Assert.True(source.Commits > 1);
    }

    [Fact]
    public async Task Malformed_and_invalid_records_go_to_rejects_with_their_reason_and_the_partition_keeps_going()
    {
        var log = new StreamLog();
        log.Append("0", StreamEvents.Payload(StreamEvents.Click(1)));
        log.Append("0", Encoding.UTF8.GetBytes("{not json"));
        log.Append("0", StreamEvents.Payload(StreamEvents.Click(2) with { OfferId = null }));
        log.Append("0", StreamEvents.Payload(StreamEvents.Click(3)));
        var lake = new MemoryLakeWriter();
        var worker = Worker(new ListEventSource(log), lake);

        await worker.StartAsync(default);
        await StreamEvents.Eventually(() => lake.Snapshot().Rows.Count + lake.Snapshot().Rejects.Count == 4, "all four records landed");
        await worker.StopAsync(default);

        var (rows, rejects) = lake.Snapshot();
        Assert.Equal(["0", "3"], rows.Select(r => r.Ingestion.Position));
        Assert.Equal(["1", "2"], rejects.Select(r => r.Ingestion.Position));
        Assert.Equal("{not json", Encoding.UTF8.GetString(rejects[0].Payload.Span));
        Assert.Contains("offer_id", rejects[1].Reason, StringComparison.Ordinal);
        Assert.All(rejects, r => Assert.False(string.IsNullOrEmpty(r.Reason)));
        Assert.Equal(3, log.Committed["0"]);
    }

    [Fact]
    public async Task Read_flush_and_commit_faults_are_retried_and_nothing_is_lost()
    {
        var log = LogWith(50);
        var lake = new MemoryLakeWriter { DueAtRows = 10, FailFlushes = 3 };
        var source = new ListEventSource(log) { FailReads = 2, FailCommits = 3 };
        using var faults = new MetricCollector<long>(_metrics.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), "Affiliate.Sdk", "affiliate.sdk.lake.worker.faults");
        var worker = Worker(source, lake);

        await worker.StartAsync(default);
        await StreamEvents.Eventually(() => { lock (log) { return log.Committed.Values.Sum(c => c + 1) == 50; } }, "every record is checkpointed");
        await worker.StopAsync(default);

        Assert.Equal(50, lake.Snapshot().Rows.Select(r => r.Event.EventId).Distinct().Count());
        Assert.Equal(8, faults.GetMeasurementSnapshot().Sum(m => m.Value));
    }

    [Fact]
    public async Task A_source_disposed_under_the_worker_stops_it_instead_of_retrying_forever()
    {
        var log = LogWith(5);
        var lake = new MemoryLakeWriter();
        var source = new ListEventSource(log) { Disposed = true };
        using var faults = new MetricCollector<long>(_metrics.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), "Affiliate.Sdk", "affiliate.sdk.lake.worker.faults");
        var worker = Worker(source, lake);

        await worker.StartAsync(default);
        await StreamEvents.Eventually(() => worker.ExecuteTask?.IsCompleted == true, "the worker stops on its own");

        Assert.True(worker.ExecuteTask!.IsCompletedSuccessfully);
        Assert.Empty(faults.GetMeasurementSnapshot());
        Assert.Empty(lake.Snapshot().Rows);
        await worker.StopAsync(default);
    }

    [Fact]
    public async Task Stopping_flushes_and_commits_what_was_read()
    {
        var log = LogWith(5, partitions: 1);
        var lake = new MemoryLakeWriter();
        var source = new ListEventSource(log);
        var worker = Worker(source, lake, o => { o.FlushWhenIdle = false; o.FlushInterval = TimeSpan.FromHours(1); });

        await worker.StartAsync(default);
        await StreamEvents.Eventually(() => source.Delivered == 5, "the worker read every record");

        // Nothing is due and idle flushing is off: only the stop can flush.
        Assert.Empty(lake.Snapshot().Rows);
        await worker.StopAsync(default);

        Assert.Equal(5, lake.Snapshot().Rows.Count);
        Assert.Equal(4, log.Committed["0"]);
    }

    [Fact]
    public async Task Records_are_flushed_once_the_flush_interval_passed_even_without_idle_flushing()
    {
        var log = LogWith(3, partitions: 1);
        var lake = new MemoryLakeWriter();
        var worker = Worker(new ListEventSource(log), lake, o => { o.FlushWhenIdle = false; o.FlushInterval = TimeSpan.FromMilliseconds(50); });

        await worker.StartAsync(default);
        await StreamEvents.Eventually(() => AllCommitted(log), "the interval flush committed everything");
        await worker.StopAsync(default);

        Assert.Equal(3, lake.Snapshot().Rows.Count);
    }

    [Fact]
    public async Task A_worker_killed_at_any_point_loses_nothing_after_a_restart()
    {
        var log = LogWith(300, partitions: 4);
        var lake = new MemoryLakeWriter { DueAtRows = 25 };
        for (var round = 0; round < 6 && !AllCommitted(log); round++)
        {
            var worker = Worker(new ListEventSource(log), lake, o => o.BatchSize = 11);
            await worker.StartAsync(default);
            var target = lake.Snapshot().Rows.Count + 10 + round * 7;
            await StreamEvents.Eventually(() => lake.Snapshot().Rows.Count >= target || AllCommitted(log), "the worker makes progress");

            // Kill: the stop token is already cancelled, so there is no final flush and no commit.
            try
            {
                await worker.StopAsync(new CancellationToken(canceled: true));
            }
            catch (OperationCanceledException)
            {
                // The host's stop gave up waiting, as it does when its shutdown timeout fires.
            }

            try
            {
                await (worker.ExecuteTask ?? Task.CompletedTask).WaitAsync(TimeSpan.FromSeconds(20));
            }
            catch (OperationCanceledException) when (worker.ExecuteTask!.IsCanceled)
            {
                // Stopped before its loop ever ran (the host starts it on the thread pool with the stopping token).
            }
            lake.DiscardBuffered();
        }

        var final = Worker(new ListEventSource(log), lake);
        await final.StartAsync(default);
        await StreamEvents.Eventually(() => AllCommitted(log), "the restarted worker catches up");
        await final.StopAsync(default);

        var landed = lake.Snapshot().Rows.Select(r => (r.Ingestion.Partition, r.Ingestion.Position)).ToHashSet();
        foreach (var (partition, payloads) in log.Partitions)
        {
            for (var i = 0; i < payloads.Count; i++)
            {
                Assert.Contains((partition, i.ToString(CultureInfo.InvariantCulture)), landed);
            }
        }
    }

    [Fact]
    public async Task Landed_events_rejects_and_flushes_are_measured()
    {
        var log = LogWith(10, partitions: 1);
        log.Append("0", [0xFF]);
        var lake = new MemoryLakeWriter();
        var meterFactory = _metrics.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        using var landed = new MetricCollector<long>(meterFactory, "Affiliate.Sdk", "affiliate.sdk.lake.events.landed");
        using var rejects = new MetricCollector<long>(meterFactory, "Affiliate.Sdk", "affiliate.sdk.lake.rejects.landed");
        using var flushes = new MetricCollector<double>(meterFactory, "Affiliate.Sdk", "affiliate.sdk.lake.flush.duration");
        var worker = Worker(new ListEventSource(log), lake);

        await worker.StartAsync(default);
        await StreamEvents.Eventually(() => AllCommitted(log), "everything is checkpointed");
        await worker.StopAsync(default);

        Assert.Equal(10, landed.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.Equal(1, rejects.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.NotEmpty(flushes.GetMeasurementSnapshot());
        Assert.All(landed.GetMeasurementSnapshot(), m => Assert.Equal("list", m.Tags["source"]));
    }

    [Fact]
    public void Invalid_options_fail_at_start_naming_the_setting()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AffiliateSdk:Pipeline:StreamToLake:BatchSize"] = "0",
            ["AffiliateSdk:Pipeline:StreamToLake:MaxWait"] = "00:00:00",
        }).Build());
        services.AddLogging();
        new AffiliateSdkBuilderAccessor(services).Builder.AddStreamToLake();
        using var sp = services.BuildServiceProvider();

        var message = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IStartupValidator>().Validate()).Message;

        Assert.Contains("AffiliateSdk:Pipeline:StreamToLake:BatchSize", message, StringComparison.Ordinal);
        Assert.Contains("AffiliateSdk:Pipeline:StreamToLake:MaxWait", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Registration_adds_the_worker_as_a_hosted_service_once()
    {
        var services = new ServiceCollection();
        var builder = new AffiliateSdkBuilderAccessor(services).Builder;
        builder.AddStreamToLake().AddStreamToLake(o => o.BatchSize = 10);

        Assert.Single(services, d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(StreamToLakeWorker));
        using var sp = services.BuildServiceProvider();
        Assert.Equal(10, sp.GetRequiredService<IOptions<StreamToLakeOptions>>().Value.BatchSize);
    }

    private static bool AllCommitted(StreamLog log)
    {
        lock (log)
        {
            return log.Partitions.All(p => log.Committed.TryGetValue(p.Key, out var c) && c == p.Value.Count - 1);
        }
    }

    /// <summary>Builds the SDK builder (its constructor is internal to the runtime, visible to its tests).</summary>
    private sealed class AffiliateSdkBuilderAccessor(IServiceCollection services)
    {
        public AffiliateSdkBuilder Builder { get; } = new(services);
    }
}
