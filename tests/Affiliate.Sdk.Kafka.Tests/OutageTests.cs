using System.Diagnostics.Metrics;
using Affiliate.Sdk.Events;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Affiliate.Sdk.Kafka.Tests;

[Collection(KafkaClusterGroup.Name)]
public sealed class OutageTests(MockKafkaCluster cluster) : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    [Fact]
    public async Task A_broker_taken_down_mid_stream_and_brought_back_loses_nothing()
    {
        var topic = cluster.CreateTopic();
        var options = cluster.Options(topic);
        var events = TestEvents.Mixed(3_000);
        await using var publisher = new KafkaEventPublisher(options);
        var broker = cluster.BrokerIds[0];
        var publishes = new List<Task>();
        try
        {
            foreach (var (chunk, index) in events.Chunk(100).Select((c, i) => (c, i)))
            {
                if (index == 10)
                {
                    cluster.BrokerDown(broker);
                }

                publishes.Add(publisher.PublishBatchAsync(chunk, default).AsTask());
            }

            // Deliveries to partitions led by the downed broker are held and retried, not dropped.
            await Wait.UntilAsync(() => publisher.InFlight > 0, TimeSpan.FromSeconds(10), "deliveries to wait for the downed broker");
        }
        finally
        {
            cluster.BrokerUp(broker);
        }

        await Task.WhenAll(publishes);
        Assert.Equal(0, publisher.InFlight);

        var bronze = new RecordingBronze();
        await using var source = new KafkaEventSource(options);
        await new RecordingLake(bronze).RunUntilAsync(source, () => bronze.Distinct == events.Count, TimeSpan.FromSeconds(60));
        Assert.Equal(events.Select(e => e.EventId).Order(), bronze.Events.Keys.Order());
    }

    [Fact]
    public async Task With_the_whole_cluster_down_a_publish_fails_and_nothing_is_acknowledged()
    {
        var topic = cluster.CreateTopic();
        var options = cluster.Options(topic);
        options.DeliveryTimeout = TimeSpan.FromSeconds(2);
        await using var publisher = new KafkaEventPublisher(options);
        var before = TestEvents.Click(1);
        await publisher.PublishAsync(before, default);

        var lost = TestEvents.Click(2);
        cluster.AllBrokersDown();
        try
        {
            var error = await Assert.ThrowsAsync<PublishException>(async () => await publisher.PublishAsync(lost, default));
            Assert.True(error.IsRetryable);
        }
        finally
        {
            cluster.AllBrokersUp();
        }

        // The caller (or the spool) publishes again once the cluster is back.
        await publisher.PublishAsync(lost, default);
        var bronze = new RecordingBronze();
        await using var source = new KafkaEventSource(options);
        await new RecordingLake(bronze).RunUntilAsync(source, () => bronze.Distinct == 2, TimeSpan.FromSeconds(60));
        Assert.Contains(lost.EventId, bronze.Events.Keys);
    }

    [Fact]
    public async Task Publishers_wait_when_the_in_flight_bound_is_reached_and_memory_stays_bounded()
    {
        var topic = cluster.CreateTopic(partitions: 1);
        var options = cluster.Options(topic);
        options.MaxInFlightEvents = 8;
        var metrics = new KafkaMetrics(_services.GetRequiredService<IMeterFactory>());
        using var waits = new MetricCollector<long>(_services.GetRequiredService<IMeterFactory>(), KafkaTelemetry.Name, "affiliate.sdk.kafka.producer.back_pressure_waits");
        await using var publisher = new KafkaEventPublisher(options, metrics: metrics);
        await publisher.PublishAsync(TestEvents.Click(0), default); // connected and the topic's leader known

        var publishes = new List<Task>();
        cluster.AllBrokersDown();
        try
        {
            for (var i = 1; i <= 30; i++)
            {
                publishes.Add(publisher.PublishAsync(TestEvents.Click(i), default).AsTask());
            }

            await Wait.UntilAsync(() => publisher.InFlight == options.MaxInFlightEvents, TimeSpan.FromSeconds(5), "the in-flight bound to fill");
            Assert.True(publishes.Count(t => !t.IsCompleted) == 30, "No publish may complete while the cluster is down.");
            Assert.True(waits.GetMeasurementSnapshot().Count >= 30 - options.MaxInFlightEvents);
            Assert.Equal(options.MaxInFlightEvents, publisher.InFlight);
        }
        finally
        {
            cluster.AllBrokersUp();
        }

        await Task.WhenAll(publishes);
        Assert.Equal(0, publisher.InFlight);
    }

    [Fact]
    public async Task Consumer_lag_per_partition_is_exported_as_a_gauge()
    {
        var topic = cluster.CreateTopic(partitions: 1);
        var options = cluster.Options(topic);
        await using (var publisher = new KafkaEventPublisher(options))
        {
            await publisher.PublishBatchAsync(Enumerable.Range(0, 100).Select(i => TestEvents.Click(i)).ToList(), default);
        }

        var meterFactory = _services.GetRequiredService<IMeterFactory>();
        using var lag = new MetricCollector<long>(meterFactory, KafkaTelemetry.Name, "affiliate.sdk.kafka.consumer.lag");
        await using var source = new KafkaEventSource(options, metrics: new KafkaMetrics(meterFactory));
        var read = new List<Pipeline.SourceRecord>();
        Pipeline.SourceCheckpoint? checkpoint = null;
        while (read.Count < 40)
        {
            var batch = await source.ReadAsync(40 - read.Count, TimeSpan.FromSeconds(1), default);
            read.AddRange(batch.Records);
            checkpoint = batch.Records.Count > 0 ? batch.Checkpoint : checkpoint;
        }

        await source.CommitAsync(checkpoint!, default);
        long? observed = null;
        await Wait.UntilAsync(
            () =>
            {
                lag.RecordObservableInstruments();
                observed = lag.LastMeasurement is { } m && (int)m.Tags["partition"]! == 0 && (string)m.Tags["topic"]! == topic ? m.Value : null;
                return observed == 60;
            },
            TimeSpan.FromSeconds(10),
            "lag = 100 published − 40 committed");
        Assert.Equal(options.GroupId, lag.LastMeasurement!.Tags["group"]);
    }

    public void Dispose() => _services.Dispose();
}
