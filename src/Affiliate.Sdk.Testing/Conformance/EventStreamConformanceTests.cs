using System.Diagnostics;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.Json;
using Affiliate.Sdk.Pipeline;
using Xunit;

namespace Affiliate.Sdk.Testing;

/// <summary>The order a stream promises its readers.</summary>
public enum StreamOrdering
{
    /// <summary>No order is promised.</summary>
    None = 0,

    /// <summary>
    /// Events of one click (the click and its conversions: the partition key of Kafka and Kinesis) are read in the order
    /// they were published.
    /// </summary>
    PerClick = 1,

    /// <summary>Every event is read in the order it was published (a single partition).</summary>
    Total = 2,
}

/// <summary>
/// A running stream under test: its publisher and one reader of the suite's consumer (group, worker). Disposing it is a
/// process stop; <see cref="EventStreamConformanceTests.OpenAsync"/> with the same name is the restart.
/// </summary>
public sealed class EventStreamSession : IAsyncDisposable
{
    private readonly Func<ValueTask>? _onDispose;

    /// <summary>Creates a session.</summary>
    /// <param name="publisher">The publisher (disposed with the session if disposable).</param>
    /// <param name="source">The source (disposed with the session).</param>
    /// <param name="onDispose">Anything else to stop, after the publisher and source.</param>
    public EventStreamSession(IEventPublisher publisher, IEventSource source, Func<ValueTask>? onDispose = null)
    {
        ArgumentNullException.ThrowIfNull(publisher);
        ArgumentNullException.ThrowIfNull(source);
        Publisher = publisher;
        Source = source;
        _onDispose = onDispose;
    }

    /// <summary>The publisher.</summary>
    public IEventPublisher Publisher { get; }

    /// <summary>The source, reading as the suite's consumer.</summary>
    public IEventSource Source { get; }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Source.DisposeAsync().ConfigureAwait(false);
        await Disposal.DisposeAsync(Publisher).ConfigureAwait(false);
        if (_onDispose is not null)
        {
            await _onDispose().ConfigureAwait(false);
        }
    }
}

/// <summary>
/// What every <see cref="IEventPublisher"/> + <see cref="IEventSource"/> pair must do: deliver every published event
/// intact, keep the order it promises, resume after the last committed checkpoint and redeliver what was not committed,
/// lose nothing across a restart, and honour cancellation. Derive and implement <see cref="OpenAsync"/>.
/// </summary>
public abstract class EventStreamConformanceTests
{
    /// <summary>
    /// Opens the stream <paramref name="streamName"/> (creating it on first use: a topic, a stream, a log directory) with a
    /// publisher and a source of one fixed consumer. After the previous session of that name is disposed, opening it again
    /// must reach the same durable stream and committed checkpoints, as a restarted process would.
    /// </summary>
    /// <param name="streamName">A fresh name per test (letters, digits and '-'), the same across a restart.</param>
    /// <param name="cancellationToken">Stops the call.</param>
    /// <returns>The session.</returns>
    protected abstract ValueTask<EventStreamSession> OpenAsync(string streamName, CancellationToken cancellationToken);

    /// <summary>The order this stream promises (default: per click, as Kafka and Kinesis keys do).</summary>
    protected virtual StreamOrdering Ordering => StreamOrdering.PerClick;

    /// <summary>How many events the delivery tests publish.</summary>
    protected virtual int EventCount => 600;

    /// <summary>The longest a test waits for events to arrive before it fails.</summary>
    protected virtual TimeSpan DeliveryDeadline => TimeSpan.FromSeconds(60);

    /// <summary>The most records asked per read (small, so tests cross many batches and checkpoints).</summary>
    protected virtual int ReadBatchSize => 50;

    /// <summary>Every event published, one by one or in batches, is read back with the payload it was published with.</summary>
    /// <returns>The test.</returns>
    [ConformanceFact]
    public async Task Every_published_event_is_delivered_intact()
    {
        var events = TestEvents.Mixed(EventCount);
        var session = await OpenAsync(NewStreamName(), default).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            var half = events.Count / 2;
            await session.Publisher.PublishBatchAsync(events.Take(half).ToList(), default).ConfigureAwait(false);
            foreach (var e in events.Skip(half))
            {
                await session.Publisher.PublishAsync(e, default).ConfigureAwait(false);
            }

            var read = await ReadUntilAsync(session.Source, events.Select(e => e.EventId), commit: true).ConfigureAwait(false);

            var published = events.ToDictionary(e => e.EventId);
            Assert.Equal(published.Keys.Order(), read.Select(r => r.Event.EventId).Distinct().Order());
            Assert.All(read, r => Assert.Equal(published[r.Event.EventId], r.Event));
            Assert.All(read, r => Assert.False(string.IsNullOrEmpty(r.Record.Partition) || string.IsNullOrEmpty(r.Record.Position)));
        }
    }

    /// <summary>Events are read in the order <see cref="Ordering"/> promises: per click id, or overall.</summary>
    /// <returns>The test.</returns>
    [ConformanceFact]
    public async Task Events_are_read_in_the_promised_order()
    {
        // Twelve clicks, each followed by conversions that share its click id, published interleaved across clicks.
        var events = new List<TrackingEvent>();
        var perClick = Math.Max(2, EventCount / 12);
        for (var step = 0; step < perClick; step++)
        {
            for (var click = 0; click < 12; click++)
            {
                events.Add(step == 0 ? TestEvents.Click(click) : TestEvents.Conversion(click) with { TransactionId = $"T-{click}-{step}" });
            }
        }

        var session = await OpenAsync(NewStreamName(), default).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            foreach (var chunk in events.Chunk(37))
            {
                await session.Publisher.PublishBatchAsync(chunk, default).ConfigureAwait(false);
            }

            var read = await ReadUntilAsync(session.Source, events.Select(e => e.EventId), commit: true).ConfigureAwait(false);
            var firstSeen = read.Select(r => r.Event.EventId).Distinct().ToList();
            var publishedAt = events.Select((e, i) => (e.EventId, i)).ToDictionary(p => p.EventId, p => p.i);
            var keyOf = events.ToDictionary(e => e.EventId, e => e.ClickId!);

            switch (Ordering)
            {
                case StreamOrdering.Total:
                    Assert.Equal(events.Select(e => e.EventId), firstSeen);
                    break;
                case StreamOrdering.PerClick:
                    foreach (var group in firstSeen.GroupBy(id => keyOf[id]))
                    {
                        var order = group.Select(id => publishedAt[id]).ToList();
                        Assert.True(order.SequenceEqual(order.Order()), $"events of click {group.Key} were read out of their publish order: [{string.Join(",", order)}]");
                    }

                    break;
                default:
                    Assert.Equal(events.Count, firstSeen.Count);
                    break;
            }
        }
    }

    /// <summary>After a restart the source resumes after the committed checkpoint, and redelivers every event read but not committed.</summary>
    /// <returns>The test.</returns>
    [ConformanceFact]
    public async Task A_restarted_source_resumes_after_the_commit_and_redelivers_the_uncommitted()
    {
        var name = NewStreamName();
        var events = TestEvents.Mixed(EventCount);
        HashSet<Guid> committed;
        HashSet<Guid> uncommitted;
        var session = await OpenAsync(name, default).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            await session.Publisher.PublishBatchAsync(events, default).ConfigureAwait(false);

            // Commit each batch up to about half of the events, then read the rest without committing.
            committed = [];
            var deadline = Stopwatch.StartNew();
            while (committed.Count < events.Count / 2)
            {
                Assert.True(deadline.Elapsed < DeliveryDeadline, $"only {committed.Count} events arrived before the deadline");
                var batch = await session.Source.ReadAsync(ReadBatchSize, TimeSpan.FromMilliseconds(200), default).ConfigureAwait(false);
                committed.UnionWith(batch.Records.Select(r => Deserialize(r).EventId));
                await session.Source.CommitAsync(batch.Checkpoint, default).ConfigureAwait(false);
            }

            var rest = events.Select(e => e.EventId).Where(id => !committed.Contains(id));
            uncommitted = [.. (await ReadUntilAsync(session.Source, rest, commit: false).ConfigureAwait(false)).Select(r => r.Event.EventId)];
            uncommitted.ExceptWith(committed);
        }

        var reopened = await OpenAsync(name, default).ConfigureAwait(false);
        await using (reopened.ConfigureAwait(false))
        {
            var again = await ReadUntilAsync(reopened.Source, uncommitted, commit: true).ConfigureAwait(false);
            var redelivered = again.Select(r => r.Event.EventId).ToHashSet();

            Assert.Subset(redelivered, uncommitted);
            var replayedCommitted = redelivered.Intersect(committed).Count();
            Assert.True(replayedCommitted == 0, $"{replayedCommitted} events covered by the committed checkpoint were delivered again after the restart");
        }
    }

    /// <summary>Stopping publisher and source mid-stream and starting again loses nothing: every acknowledged event is delivered at least once.</summary>
    /// <returns>The test.</returns>
    [ConformanceFact]
    public async Task Nothing_published_is_lost_across_a_restart_mid_stream()
    {
        var name = NewStreamName();
        var first = TestEvents.Mixed(EventCount / 2);
        var second = TestEvents.Mixed(EventCount / 2, offset: EventCount);
        var delivered = new HashSet<Guid>();
        var session = await OpenAsync(name, default).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            await session.Publisher.PublishBatchAsync(first, default).ConfigureAwait(false);

            // Read and commit a little, leave the rest unread: the restart comes mid-stream.
            var batch = await session.Source.ReadAsync(ReadBatchSize, DeliveryDeadline, default).ConfigureAwait(false);
            Assert.NotEmpty(batch.Records);
            delivered.UnionWith(batch.Records.Select(r => Deserialize(r).EventId));
            await session.Source.CommitAsync(batch.Checkpoint, default).ConfigureAwait(false);
            await session.Source.ReadAsync(ReadBatchSize, TimeSpan.FromMilliseconds(100), default).ConfigureAwait(false);
        }

        var reopened = await OpenAsync(name, default).ConfigureAwait(false);
        await using (reopened.ConfigureAwait(false))
        {
            await reopened.Publisher.PublishBatchAsync(second, default).ConfigureAwait(false);
            var missing = first.Concat(second).Select(e => e.EventId).Where(id => !delivered.Contains(id)).ToList();
            var read = await ReadUntilAsync(reopened.Source, missing, commit: true).ConfigureAwait(false);
            delivered.UnionWith(read.Select(r => r.Event.EventId));
        }

        Assert.Empty(first.Concat(second).Select(e => e.EventId).Where(id => !delivered.Contains(id)));
    }

    /// <summary>A read of an idle stream returns an empty batch once its wait is over.</summary>
    /// <returns>The test.</returns>
    [ConformanceFact]
    public async Task A_read_of_an_idle_stream_returns_an_empty_batch_after_its_wait()
    {
        var session = await OpenAsync(NewStreamName(), default).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            var read = session.Source.ReadAsync(ReadBatchSize, TimeSpan.FromMilliseconds(300), default).AsTask();
            var batch = await read.WaitAsync(DeliveryDeadline).ConfigureAwait(false);

            Assert.Empty(batch.Records);
            await session.Source.CommitAsync(batch.Checkpoint, default).ConfigureAwait(false);
        }
    }

    /// <summary>Cancelling a read that is waiting for records stops it with <see cref="OperationCanceledException"/>, long before its wait is over.</summary>
    /// <returns>The test.</returns>
    [ConformanceFact]
    public async Task Cancelling_a_waiting_read_stops_it()
    {
        var session = await OpenAsync(NewStreamName(), default).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            using (var cancelled = new CancellationTokenSource())
            {
                await cancelled.CancelAsync().ConfigureAwait(false);
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => session.Source.ReadAsync(ReadBatchSize, TimeSpan.FromMinutes(10), cancelled.Token).AsTask())
                    .ConfigureAwait(false);
            }

            using var soon = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
            var read = session.Source.ReadAsync(ReadBatchSize, TimeSpan.FromMinutes(10), soon.Token).AsTask();

            // The read waits up to ten minutes; only cancellation can end it within the deadline.
            var error = await Record.ExceptionAsync(() => read.WaitAsync(DeliveryDeadline)).ConfigureAwait(false);
            Assert.IsAssignableFrom<OperationCanceledException>(error);
            Assert.IsNotType<TimeoutException>(error);

            // The source still works afterwards.
            var e = TestEvents.Click(1);
            await session.Publisher.PublishAsync(e, default).ConfigureAwait(false);
            var again = await ReadUntilAsync(session.Source, [e.EventId], commit: true).ConfigureAwait(false);
            Assert.Contains(again, r => r.Event.EventId == e.EventId);
        }
    }

    /// <summary>A fresh stream name for one test.</summary>
    /// <returns>The name.</returns>
    protected static string NewStreamName() => "conformance-" + Guid.NewGuid().ToString("N")[..12];

    private static TrackingEvent Deserialize(SourceRecord record) => TrackingEventSerializer.Deserialize(record.Payload.Span);

    /// <summary>Reads until every wanted event id arrived, or fails at the deadline.</summary>
    private async Task<List<(TrackingEvent Event, SourceRecord Record)>> ReadUntilAsync(IEventSource source, IEnumerable<Guid> wanted, bool commit)
    {
        var missing = wanted.ToHashSet();
        var read = new List<(TrackingEvent, SourceRecord)>();
        var deadline = Stopwatch.StartNew();
        while (missing.Count > 0)
        {
            Assert.True(deadline.Elapsed < DeliveryDeadline, $"{missing.Count} events had not arrived after {DeliveryDeadline}");
            var batch = await source.ReadAsync(ReadBatchSize, TimeSpan.FromMilliseconds(200), default).ConfigureAwait(false);
            foreach (var record in batch.Records)
            {
                var e = Deserialize(record);
                read.Add((e, record));
                missing.Remove(e.EventId);
            }

            if (commit)
            {
                await source.CommitAsync(batch.Checkpoint, default).ConfigureAwait(false);
            }
        }

        return read;
    }
}
