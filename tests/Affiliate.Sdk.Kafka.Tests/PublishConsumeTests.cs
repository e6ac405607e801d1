using System.Text;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.Json;
using Confluent.Kafka;

namespace Affiliate.Sdk.Kafka.Tests;

[Collection(KafkaClusterGroup.Name)]
public sealed class PublishConsumeTests(MockKafkaCluster cluster, Xunit.Abstractions.ITestOutputHelper output)
{
    private KafkaOptions Options(string topic, string? group = null) => cluster.Options(topic, group);

    [Fact]
    public async Task Published_events_land_in_the_lake_exactly_once_after_dedup()
    {
        var topic = cluster.CreateTopic();
        var options = Options(topic);
        var events = TestEvents.Mixed(3_000);
        await using (var publisher = new KafkaEventPublisher(options))
        {
            await Task.WhenAll(events.Chunk(250).Select(chunk => publisher.PublishBatchAsync(chunk, default).AsTask()));
            await publisher.PublishAsync(events[0], default); // a duplicate the lake's dedup absorbs
        }

        var bronze = new RecordingBronze();
        await using var source = new KafkaEventSource(options);
        var lake = new RecordingLake(bronze);
        await lake.RunUntilAsync(source, () => bronze.Distinct == events.Count, TimeSpan.FromSeconds(60));

        Assert.Equal(events.Select(e => e.EventId).Order(), bronze.Events.Keys.Order());
        Assert.Empty(bronze.Rejects);
        Assert.True(lake.Commits > 0);
    }

    [Fact]
    public async Task Records_carry_the_click_key_and_content_type_and_schema_headers()
    {
        var topic = cluster.CreateTopic();
        var options = Options(topic);
        var events = new List<TrackingEvent>();
        for (var i = 0; i < 50; i++)
        {
            events.Add(TestEvents.Click(i));
            events.Add(TestEvents.Conversion(i));
            events.Add(TestEvents.Impression(i));
        }

        await using (var publisher = new KafkaEventPublisher(options))
        {
            await publisher.PublishBatchAsync(events, default);
        }

        var records = ReadAll(topic, events.Count);
        var partitionOfClick = new Dictionary<string, int>();
        foreach (var record in records)
        {
            var e = TrackingEventSerializer.Deserialize(record.Message.Value);
            var key = Encoding.UTF8.GetString(record.Message.Key);
            Assert.Equal(TrackingEventSerializer.ContentType, Header(record, KafkaEventPublisher.ContentTypeHeader));
            Assert.Equal("1", Header(record, KafkaEventPublisher.SchemaVersionHeader));
            if (e.Kind == EventKind.Impression)
            {
                Assert.Equal(e.EventId.ToString("D"), key);
                Assert.Equal("impression", Header(record, KafkaEventPublisher.KindHeader));
                continue;
            }

            Assert.Equal(e.ClickId, key);

            // A click and its conversions share one partition, so they stay in order.
            if (partitionOfClick.TryGetValue(e.ClickId!, out var partition))
            {
                Assert.Equal(partition, record.Partition.Value);
            }
            else
            {
                partitionOfClick[e.ClickId!] = record.Partition.Value;
            }
        }

        Assert.Equal(50, partitionOfClick.Count);
        Assert.True(partitionOfClick.Values.Distinct().Count() > 1, "Clicks should spread over partitions.");
    }

    [Fact]
    public async Task A_poison_record_lands_in_rejects_with_its_partition_and_offset()
    {
        var topic = cluster.CreateTopic(partitions: 1);
        var options = Options(topic);
        await using (var publisher = new KafkaEventPublisher(options))
        {
            await publisher.PublishAsync(TestEvents.Click(1), default);
        }

        using (var raw = new ProducerBuilder<Null, byte[]>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers }).Build())
        {
            await raw.ProduceAsync(topic, new Message<Null, byte[]> { Value = "{not json"u8.ToArray() });
            await raw.ProduceAsync(topic, new Message<Null, byte[]> { Value = null! });
        }

        await using (var publisher = new KafkaEventPublisher(options))
        {
            await publisher.PublishAsync(TestEvents.Click(2), default);
        }

        var bronze = new RecordingBronze();
        await using var source = new KafkaEventSource(options);
        await new RecordingLake(bronze).RunUntilAsync(source, () => bronze.Distinct == 2 && bronze.Rejects.Count == 2, TimeSpan.FromSeconds(30));

        var rejects = bronze.Rejects.OrderBy(r => r.Position).ToList();
        Assert.Equal($"{topic}/0", rejects[0].Partition);
        Assert.Equal("1", rejects[0].Position);
        Assert.False(string.IsNullOrWhiteSpace(rejects[0].Reason));
        Assert.Equal("2", rejects[1].Position);
    }

    [Fact]
    public async Task A_consumer_killed_mid_batch_and_restarted_loses_nothing()
    {
        var topic = cluster.CreateTopic();
        var group = "lake-" + Guid.NewGuid().ToString("N");
        var options = Options(topic, group);
        var events = TestEvents.Mixed(4_000);
        await using (var publisher = new KafkaEventPublisher(options))
        {
            await publisher.PublishBatchAsync(events, default);
        }

        var bronze = new RecordingBronze();
        await using (var first = new KafkaEventSource(options))
        {
            var lake = new RecordingLake(bronze, flushEvery: 700);
            await lake.RunUntilAsync(first, () => bronze.Distinct >= 1_400 && lake.Pending > 0, TimeSpan.FromSeconds(30));

            // Read more than was committed, then die before the flush: those records exist only in the dead worker.
            await lake.StepAsync(first, default);
            Assert.True(lake.Pending > 0);
            lake.Crash();
        }

        Assert.True(bronze.Distinct < events.Count);
        await using var second = new KafkaEventSource(options, new TestLogger(output, "second", Microsoft.Extensions.Logging.LogLevel.Information));
        await new RecordingLake(bronze).RunUntilAsync(second, () => bronze.Distinct == events.Count, TimeSpan.FromSeconds(60));
        Assert.Equal(events.Select(e => e.EventId).Order(), bronze.Events.Keys.Order());
    }

    [Fact]
    public async Task A_rebalance_between_two_consumers_of_one_group_loses_nothing()
    {
        var topic = cluster.CreateTopic(partitions: 4);
        var options = Options(topic);
        var events = TestEvents.Mixed(6_000);
        await using var publisher = new KafkaEventPublisher(options);
        await publisher.PublishBatchAsync(events[..2_000], default);

        var bronze = new RecordingBronze();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await using var first = new KafkaEventSource(options, new TestLogger(output, "first", Microsoft.Extensions.Logging.LogLevel.Information));
        var firstLake = new RecordingLake(bronze, flushEvery: 300);
        var firstRun = firstLake.RunUntilAsync(first, () => bronze.Distinct == events.Count, TimeSpan.FromSeconds(90), stop.Token);
        await Wait.UntilAsync(() => bronze.Distinct >= 500, TimeSpan.FromSeconds(30), "the first consumer to land records");

        // A second member joins: cooperative-sticky moves some partitions over while records keep flowing.
        await using var second = new KafkaEventSource(options, new TestLogger(output, "second", Microsoft.Extensions.Logging.LogLevel.Information));
        var secondLake = new RecordingLake(bronze, flushEvery: 300);
        var secondRun = secondLake.RunUntilAsync(second, () => bronze.Distinct == events.Count, TimeSpan.FromSeconds(90), stop.Token);
        await publisher.PublishBatchAsync(events[2_000..4_000], default);
        await Wait.UntilAsync(() => second.OwnedPartitions.Count > 0, TimeSpan.FromSeconds(30), "the second consumer to own partitions");
        await publisher.PublishBatchAsync(events[4_000..], default);

        await Task.WhenAll(firstRun, secondRun);
        Assert.Equal(events.Select(e => e.EventId).Order(), bronze.Events.Keys.Order());
        Assert.Equal(4, first.OwnedPartitions.Count + second.OwnedPartitions.Count);
        Assert.True(first.OwnedPartitions.Count > 0 && second.OwnedPartitions.Count > 0);
    }

    private List<ConsumeResult<byte[], byte[]>> ReadAll(string topic, int count)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = "reader-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        consumer.Subscribe(topic);
        var result = new List<ConsumeResult<byte[], byte[]>>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (result.Count < count && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { IsPartitionEOF: false } r)
            {
                result.Add(r);
            }
        }

        consumer.Close();
        Assert.Equal(count, result.Count);
        return result;
    }

    private static string? Header(ConsumeResult<byte[], byte[]> record, string name) =>
        record.Message.Headers.TryGetLastBytes(name, out var value) ? Encoding.UTF8.GetString(value) : null;
}
