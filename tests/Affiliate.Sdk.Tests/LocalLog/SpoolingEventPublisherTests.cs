using Affiliate.Sdk.DependencyInjection;
using Affiliate.Sdk.Diagnostics;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.LocalLog;
using Affiliate.Sdk.Pipeline;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Affiliate.Sdk.Tests.LocalLog;

public sealed class SpoolingEventPublisherTests
{
    private static readonly SpoolSettings FastRetries = new(DrainBatchSize: 7)
    {
        InitialRetryDelay = TimeSpan.FromMilliseconds(5),
        MaxRetryDelay = TimeSpan.FromMilliseconds(20),
        IdleWait = TimeSpan.FromMilliseconds(50),
    };

    private static DurableLog OpenSpool(TempLogDirectory dir) =>
        DurableLog.Open(dir.Settings(consumers: [SpoolingEventPublisher.DrainConsumer]) with { Name = "spool" }, NullLogger.Instance);

    private static async Task WaitFor(Func<bool> condition, string what)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            Assert.False(deadline.IsCancellationRequested, "timed out waiting until " + what);
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task Events_spool_while_the_stream_is_down_and_drain_in_order_when_it_recovers()
    {
        using var dir = new TempLogDirectory();
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new AffiliateSdkMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        using var spooled = new MetricCollector<long>(metrics.Meter, "affiliate.sdk.events.spooled");
        using var drained = new MetricCollector<long>(metrics.Meter, "affiliate.sdk.spool.drained");
        using var depth = new MetricCollector<long>(metrics.Meter, "affiliate.sdk.spool.depth");
        var stream = new FlakyStream();
        await using var publisher = new SpoolingEventPublisher(stream, OpenSpool(dir), NullLogger.Instance, metrics, settings: FastRetries);
        var events = Enumerable.Range(0, 60).Select(PublisherSourceTests.Event).ToList();

        await publisher.PublishBatchAsync(events[..10], CancellationToken.None);
        Assert.False(publisher.IsSpooling);

        stream.Down = true;
        foreach (var e in events[10..30])
        {
            await publisher.PublishAsync(e, CancellationToken.None); // acknowledged by the spool's fsync
        }

        await publisher.PublishBatchAsync(events[30..40], CancellationToken.None);
        Assert.True(publisher.IsSpooling);
        Assert.Equal(30, spooled.GetMeasurementSnapshot().Sum(m => m.Value));
        depth.RecordObservableInstruments();
        Assert.Equal(30, depth.LastMeasurement!.Value);
        Assert.Equal(10, stream.Received.Count);

        stream.Down = false;
        await publisher.PublishBatchAsync(events[40..50], CancellationToken.None); // still behind the spool: order is kept
        await WaitFor(() => !publisher.IsSpooling, "the spool drained");
        foreach (var e in events[50..])
        {
            await publisher.PublishAsync(e, CancellationToken.None);
        }

        Assert.Equal(events, stream.Received);
        Assert.Equal(0, publisher.SpoolDepth);
        Assert.Equal(40, drained.GetMeasurementSnapshot().Sum(m => m.Value));
    }

    [Fact]
    public async Task A_spool_left_from_a_previous_run_drains_on_start()
    {
        using var dir = new TempLogDirectory();
        var events = Enumerable.Range(0, 25).Select(PublisherSourceTests.Event).ToList();
        var down = new FlakyStream { Down = true };
        await using (var first = new SpoolingEventPublisher(down, OpenSpool(dir), NullLogger.Instance, settings: FastRetries))
        {
            await first.PublishBatchAsync(events, CancellationToken.None);
            Assert.Equal(25, first.SpoolDepth);
        }

        var up = new FlakyStream();
        await using var second = new SpoolingEventPublisher(up, OpenSpool(dir), NullLogger.Instance, settings: FastRetries);
        Assert.True(second.IsSpooling);
        await WaitFor(() => up.Received.Count == 25 && !second.IsSpooling, "the old spool drained");

        Assert.Equal(events, up.Received);
        Assert.Equal(0, second.SpoolDepth);
    }

    [Fact]
    public async Task A_stream_that_fails_some_drain_attempts_still_gets_everything_once_in_order()
    {
        using var dir = new TempLogDirectory();
        var stream = new FlakyStream { Down = true };
        await using var publisher = new SpoolingEventPublisher(stream, OpenSpool(dir), NullLogger.Instance, settings: FastRetries);
        var events = Enumerable.Range(0, 50).Select(PublisherSourceTests.Event).ToList();
        await publisher.PublishBatchAsync(events, CancellationToken.None);

        stream.Down = false;
        stream.FailEvery = 3; // every third call times out after the outage
        await WaitFor(() => !publisher.IsSpooling, "the spool drained");

        Assert.Equal(events, stream.Received);
    }

    [Fact]
    public async Task A_non_retryable_stream_error_is_not_spooled()
    {
        using var dir = new TempLogDirectory();
        var stream = new FlakyStream { Refuse = true };
        await using var publisher = new SpoolingEventPublisher(stream, OpenSpool(dir), NullLogger.Instance, settings: FastRetries);

        await Assert.ThrowsAsync<ArgumentException>(async () => await publisher.PublishAsync(PublisherSourceTests.Event(1), CancellationToken.None));
        Assert.False(publisher.IsSpooling);
        Assert.Equal(0, publisher.SpoolDepth);
    }

    [Fact]
    public async Task Adapters_wrap_their_publisher_with_the_spool_through_the_builder()
    {
        using var dir = new TempLogDirectory();
        var stream = new FlakyStream { Down = true };
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AffiliateSdk:LocalLog:Directory"] = dir.Path,
        }).Build());
        services.AddAffiliateSdk().AddSpooledPublisher(_ => stream);
        await using var sp = services.BuildServiceProvider();

        var publisher = Assert.IsType<SpoolingEventPublisher>(sp.GetRequiredService<IEventPublisher>());
        await publisher.PublishAsync(PublisherSourceTests.Event(1), CancellationToken.None);

        Assert.True(publisher.IsSpooling);
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(dir.Path, "spool"), "*.log"));
        stream.Down = false;
        await WaitFor(() => stream.Received.Count == 1, "the spooled event reached the stream");
    }

    /// <summary>A stream publisher that can be down (retryable errors), flaky, or refuse events for good.</summary>
    private sealed class FlakyStream : IEventPublisher
    {
        private readonly List<TrackingEvent> _received = [];
        private int _calls;

        public volatile bool Down;

        public volatile bool Refuse;

        public int FailEvery { get; set; }

        public IReadOnlyList<TrackingEvent> Received
        {
            get
            {
                lock (_received)
                {
                    return [.. _received];
                }
            }
        }

        public ValueTask PublishAsync(TrackingEvent trackingEvent, CancellationToken cancellationToken) =>
            PublishBatchAsync([trackingEvent], cancellationToken);

        public ValueTask PublishBatchAsync(IReadOnlyList<TrackingEvent> events, CancellationToken cancellationToken)
        {
            if (Refuse)
            {
                throw new ArgumentException("The event is too large for the stream.");
            }

            if (Down)
            {
                throw new PublishException("The broker is unreachable.");
            }

            if (FailEvery > 0 && Interlocked.Increment(ref _calls) % FailEvery == 0)
            {
                throw new TimeoutException("The broker did not answer in time.");
            }

            lock (_received)
            {
                _received.AddRange(events);
            }

            return ValueTask.CompletedTask;
        }
    }
}
