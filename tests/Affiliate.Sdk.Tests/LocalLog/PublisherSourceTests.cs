using System.Globalization;
using Affiliate.Sdk.Diagnostics;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.Json;
using Affiliate.Sdk.LocalLog;
using Affiliate.Sdk.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Affiliate.Sdk.Tests.LocalLog;

public sealed class PublisherSourceTests
{
    internal static TrackingEvent Event(int i) => new()
    {
        EventId = Guid.CreateVersion7(),
        Kind = (EventKind)(i % 3),
        OccurredAt = DateTimeOffset.UnixEpoch.AddYears(56).AddSeconds(i),
        ReceivedAt = DateTimeOffset.UnixEpoch.AddYears(56).AddSeconds(i + 1),
        ClickId = "click-" + i.ToString(CultureInfo.InvariantCulture),
        OfferId = "offer-7",
        AffiliateId = "aff-42",
        Sub1 = "日本🦄\"quoted\"",
    };

    private static async Task<List<SourceRecord>> ReadUntil(IEventSource source, int count, List<SourceCheckpoint>? checkpoints = null)
    {
        var records = new List<SourceRecord>();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (records.Count < count)
        {
            var batch = await source.ReadAsync(7, TimeSpan.FromSeconds(5), deadline.Token);
            records.AddRange(batch.Records);
            if (batch.Records.Count > 0)
            {
                checkpoints?.Add(batch.Checkpoint);
            }
        }

        return records;
    }

    [Fact]
    public async Task Published_events_round_trip_through_the_source_in_order()
    {
        using var dir = new TempLogDirectory();
        await using var log = dir.Open();
        var publisher = new LocalLogEventPublisher(log);
        await using var source = new LocalLogEventSource(log);
        var events = Enumerable.Range(0, 25).Select(Event).ToList();

        await publisher.PublishAsync(events[0], CancellationToken.None);
        await publisher.PublishBatchAsync(events[1..20], CancellationToken.None);
        foreach (var e in events[20..])
        {
            await publisher.PublishAsync(e, CancellationToken.None);
        }

        var records = await ReadUntil(source, 25);

        Assert.Equal(events, records.Select(r => TrackingEventSerializer.Deserialize(r.Payload.Span)));
        Assert.Equal(Enumerable.Range(0, 25).Select(i => i.ToString(CultureInfo.InvariantCulture)), records.Select(r => r.Position));
        Assert.All(records, r => Assert.Equal("0", r.Partition));
        Assert.All(records, r => Assert.NotNull(r.Timestamp));
    }

    [Fact]
    public async Task A_restart_replays_from_the_last_commit()
    {
        using var dir = new TempLogDirectory();
        var events = Enumerable.Range(0, 30).Select(Event).ToList();
        await using (var log = dir.Open())
        {
            await new LocalLogEventPublisher(log).PublishBatchAsync(events, CancellationToken.None);
            await using var source = new LocalLogEventSource(log);
            var checkpoints = new List<SourceCheckpoint>();
            await ReadUntil(source, 30, checkpoints);

            // Commit up to the second batch, then an older checkpoint (a late flush): the offset must not go back.
            await source.CommitAsync(checkpoints[1], CancellationToken.None);
            await source.CommitAsync(checkpoints[0], CancellationToken.None);
        }

        await using var reopened = dir.Open();
        await using var restarted = new LocalLogEventSource(reopened);
        var replayed = await ReadUntil(restarted, 16);

        Assert.Equal("14", replayed[0].Position);
        Assert.Equal(events[14..], replayed.Select(r => TrackingEventSerializer.Deserialize(r.Payload.Span)));
    }

    [Fact]
    public async Task A_read_waits_for_a_record_published_later()
    {
        using var dir = new TempLogDirectory();
        await using var log = dir.Open();
        await using var source = new LocalLogEventSource(log);
        var publisher = new LocalLogEventPublisher(log);

        var read = source.ReadAsync(10, TimeSpan.FromSeconds(30), CancellationToken.None).AsTask();
        Assert.False(read.IsCompleted);
        await publisher.PublishAsync(Event(1), CancellationToken.None);

        var batch = await read.WithDeadline();
        Assert.Single(batch.Records);
        Assert.Equal("0", batch.Checkpoint.Positions["0"]);
    }

    [Fact]
    public async Task A_read_with_nothing_new_returns_an_empty_batch_after_max_wait()
    {
        using var dir = new TempLogDirectory();
        await using var log = dir.Open();
        await using var source = new LocalLogEventSource(log);

        var batch = await source.ReadAsync(10, TimeSpan.FromMilliseconds(20), CancellationToken.None).AsTask().WithDeadline();

        Assert.Empty(batch.Records);
        Assert.Empty(batch.Checkpoint.Positions);
        await source.CommitAsync(batch.Checkpoint, CancellationToken.None);
    }

    [Fact]
    public async Task A_read_can_be_cancelled()
    {
        using var dir = new TempLogDirectory();
        await using var log = dir.Open();
        await using var source = new LocalLogEventSource(log);
        using var cts = new CancellationTokenSource();

        var read = source.ReadAsync(10, TimeSpan.FromMinutes(5), cts.Token).AsTask();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read.WithDeadline());
    }

    [Fact]
    public async Task A_foreign_checkpoint_is_refused()
    {
        using var dir = new TempLogDirectory();
        await using var log = dir.Open();
        await using var source = new LocalLogEventSource(log);

        await Assert.ThrowsAsync<ArgumentException>(async () =>
            await source.CommitAsync(new SourceCheckpoint(new Dictionary<string, string> { ["shard-1"] = "5" }), CancellationToken.None));
    }

    [Fact]
    public async Task Publishing_to_a_closed_log_throws_PublishException()
    {
        using var dir = new TempLogDirectory();
        var log = dir.Open();
        var publisher = new LocalLogEventPublisher(log);
        await log.DisposeAsync();

        await Assert.ThrowsAsync<PublishException>(async () => await publisher.PublishAsync(Event(1), CancellationToken.None));
    }

    [Fact]
    public async Task Metrics_count_appends_fsyncs_bytes_and_consumer_lag()
    {
        using var dir = new TempLogDirectory();
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new AffiliateSdkMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        using var appends = new MetricCollector<long>(metrics.Meter, "affiliate.sdk.local_log.appends");
        using var fsyncs = new MetricCollector<long>(metrics.Meter, "affiliate.sdk.local_log.fsyncs");
        using var bytes = new MetricCollector<long>(metrics.Meter, "affiliate.sdk.local_log.bytes");
        using var batchSize = new MetricCollector<int>(metrics.Meter, "affiliate.sdk.local_log.batch_size");
        using var published = new MetricCollector<long>(metrics.Meter, "affiliate.sdk.events.published");
        using var lag = new MetricCollector<long>(metrics.Meter, "affiliate.sdk.local_log.lag");
        await using var log = DurableLog.Open(dir.Settings(consumers: ["lake"]), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, metrics);
        var publisher = new LocalLogEventPublisher(log, metrics);

        await publisher.PublishBatchAsync(Enumerable.Range(0, 10).Select(Event).ToList(), CancellationToken.None);
        await log.CommitAsync("lake", 4, CancellationToken.None);
        lag.RecordObservableInstruments();

        Assert.Equal(10, appends.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.Equal(1, fsyncs.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.Equal(10, batchSize.GetMeasurementSnapshot().Single().Value);
        Assert.True(bytes.GetMeasurementSnapshot().Sum(m => m.Value) > 10 * 24);
        var publishedMeasurement = published.GetMeasurementSnapshot().Single();
        Assert.Equal(10, publishedMeasurement.Value);
        Assert.Equal("local_log", publishedMeasurement.Tags["publisher"]);
        var lakeLag = lag.GetMeasurementSnapshot().Single(m => (string?)m.Tags["consumer"] == "lake");
        Assert.Equal(6, lakeLag.Value);
    }
}
