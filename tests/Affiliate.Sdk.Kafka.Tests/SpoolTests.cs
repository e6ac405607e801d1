using System.Diagnostics.Metrics;
using Affiliate.Sdk.DependencyInjection;
using Affiliate.Sdk.Diagnostics;
using Affiliate.Sdk.LocalLog;
using Affiliate.Sdk.Pipeline;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Affiliate.Sdk.Kafka.Tests;

/// <summary>The registered publisher: Kafka fronted by the local-log spool.</summary>
[Collection(KafkaClusterGroup.Name)]
public sealed class SpoolTests(MockKafkaCluster cluster) : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "affiliate-sdk-kafka-spool-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task During_a_cluster_outage_events_are_spooled_acknowledged_and_drained_in_order_without_loss()
    {
        var topic = cluster.CreateTopic();
        await using var services = Build(topic);
        var publisher = services.GetRequiredService<IEventPublisher>();
        var spool = Assert.IsType<SpoolingEventPublisher>(publisher);
        var meters = services.GetRequiredService<IMeterFactory>();
        using var spooled = new MetricCollector<long>(meters, AffiliateSdkTelemetry.Name, "affiliate.sdk.events.spooled");
        using var drained = new MetricCollector<long>(meters, AffiliateSdkTelemetry.Name, "affiliate.sdk.spool.drained");

        var events = TestEvents.Mixed(900);
        await publisher.PublishBatchAsync(events[..300], default); // the cluster is up: straight to Kafka
        Assert.False(spool.IsSpooling);

        cluster.AllBrokersDown();
        try
        {
            // Every call completes (acknowledged by the spool's fsync) although no broker answers.
            foreach (var chunk in events[300..600].Chunk(50))
            {
                await publisher.PublishBatchAsync(chunk, default);
            }

            Assert.True(spool.IsSpooling);
            Assert.True(spool.SpoolDepth > 0);
        }
        finally
        {
            cluster.AllBrokersUp();
        }

        await publisher.PublishBatchAsync(events[600..], default);
        await Wait.UntilAsync(() => spool.SpoolDepth == 0 && !spool.IsSpooling, TimeSpan.FromSeconds(60), "the spool to drain");
        Assert.True(spooled.GetMeasurementSnapshot().Sum(m => m.Value) >= 300);
        Assert.True(drained.GetMeasurementSnapshot().Sum(m => m.Value) >= 300);

        var bronze = new RecordingBronze();
        await using var source = new KafkaEventSource(cluster.Options(topic));
        await new RecordingLake(bronze).RunUntilAsync(source, () => bronze.Distinct == events.Count, TimeSpan.FromSeconds(60));
        Assert.Equal(events.Select(e => e.EventId).Order(), bronze.Events.Keys.Order());
        AssertClicksPrecedeTheirConversions(topic, events.Count);
    }

    /// <summary>Spooled events are drained in order: a click still comes before its conversion in their partition.</summary>
    private void AssertClicksPrecedeTheirConversions(string topic, int count)
    {
        using var consumer = new Confluent.Kafka.ConsumerBuilder<byte[], byte[]>(new Confluent.Kafka.ConsumerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = "order-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = Confluent.Kafka.AutoOffsetReset.Earliest,
        }).Build();
        consumer.Subscribe(topic);
        var seenClicks = new HashSet<string>();
        var read = 0;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (read < count && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is not { IsPartitionEOF: false } record)
            {
                continue;
            }

            read++;
            var e = Json.TrackingEventSerializer.Deserialize(record.Message.Value);
            if (e.Kind == Events.EventKind.Click)
            {
                seenClicks.Add(e.ClickId!);
            }
            else if (e.Kind == Events.EventKind.Conversion)
            {
                Assert.Contains(e.ClickId!, seenClicks);
            }
        }

        consumer.Close();
        Assert.True(read >= count);
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private ServiceProvider Build(string topic)
    {
        var settings = new Dictionary<string, string?>
        {
            ["AffiliateSdk:LocalLog:Directory"] = _directory,
            ["AffiliateSdk:Kafka:BootstrapServers"] = cluster.BootstrapServers,
            ["AffiliateSdk:Kafka:Topic"] = topic,
            ["AffiliateSdk:Kafka:DeliveryTimeout"] = "00:00:02",
        };
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddLogging();
        services.AddAffiliateSdk().AddKafka();
        return services.BuildServiceProvider();
    }
}
