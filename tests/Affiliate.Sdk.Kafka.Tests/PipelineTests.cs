using Affiliate.Sdk.DependencyInjection;
using Affiliate.Sdk.Lake.Parquet;
using Affiliate.Sdk.Pipeline;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Affiliate.Sdk.Kafka.Tests;

/// <summary>The real pipeline on Kafka: capture's publisher → topic → Kafka source → stream-to-lake worker → Parquet bronze.</summary>
[Collection(KafkaClusterGroup.Name)]
public sealed class PipelineTests(MockKafkaCluster cluster) : IDisposable
{
    private static readonly string Secret = Convert.ToBase64String(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "affiliate-sdk-kafka-e2e-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Events_published_through_the_sdk_land_in_bronze_once_and_a_poison_record_in_rejects()
    {
        var topic = cluster.CreateTopic();
        await using var services = Build(topic);
        var events = TestEvents.Mixed(2_000);
        var publisher = services.GetRequiredService<IEventPublisher>();
        await Task.WhenAll(events.Chunk(200).Select(c => publisher.PublishBatchAsync(c, default).AsTask()));

        DeliveryResult<Null, byte[]> poison;
        using (var raw = new ProducerBuilder<Null, byte[]>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers }).Build())
        {
            poison = await raw.ProduceAsync(topic, new Message<Null, byte[]> { Value = "{\"event_id\": 42}"u8.ToArray() });
        }

        var worker = services.GetServices<IHostedService>().OfType<StreamToLakeWorker>().Single();
        await worker.StartAsync(default);
        var reader = services.GetRequiredService<BronzeReader>();
        var landed = new List<BronzeRecord>();
        var rejects = new List<RejectedRecord>();
        await Wait.UntilAsync(
            () =>
            {
                landed.Clear();
                rejects.Clear();
                Collect(reader, landed, rejects).GetAwaiter().GetResult();
                return landed.Select(r => r.Event.EventId).Distinct().Count() == events.Count && rejects.Count == 1;
            },
            TimeSpan.FromSeconds(90),
            "every event in bronze and the poison record in rejects");
        await worker.StopAsync(default);

        Assert.Equal(events.Select(e => e.EventId).Order(), landed.Select(r => r.Event.EventId).Distinct().Order());
        Assert.All(landed, r => Assert.Equal("kafka:" + topic, r.Ingestion.Source));
        Assert.All(landed, r => Assert.StartsWith(topic + "/", r.Ingestion.Partition, StringComparison.Ordinal));
        var reject = Assert.Single(rejects);
        Assert.Equal($"{topic}/{poison.Partition.Value}", reject.Ingestion.Partition);
        Assert.Equal(poison.Offset.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), reject.Ingestion.Position);
        Assert.False(string.IsNullOrWhiteSpace(reject.Reason));
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static async Task Collect(BronzeReader reader, List<BronzeRecord> landed, List<RejectedRecord> rejects)
    {
        await foreach (var row in reader.ReadEventsAsync(default))
        {
            landed.Add(row);
        }

        await foreach (var reject in reader.ReadRejectsAsync(default))
        {
            rejects.Add(reject);
        }
    }

    private ServiceProvider Build(string topic)
    {
        var options = cluster.Options(topic);
        var settings = new Dictionary<string, string?>
        {
            ["AffiliateSdk:ClickIds:ActiveKeyId"] = "1",
            ["AffiliateSdk:ClickIds:Keys:0:Id"] = "1",
            ["AffiliateSdk:ClickIds:Keys:0:Secret"] = Secret,
            ["AffiliateSdk:LocalLog:Directory"] = Path.Combine(_directory, "log"),
            ["AffiliateSdk:Lake:Root"] = Path.Combine(_directory, "lake"),
            ["AffiliateSdk:Pipeline:StreamToLake:MaxWait"] = "00:00:00.100",
            ["AffiliateSdk:Pipeline:StreamToLake:RetryInitialDelay"] = "00:00:00.050",
            ["AffiliateSdk:Kafka:BootstrapServers"] = options.BootstrapServers,
            ["AffiliateSdk:Kafka:Topic"] = topic,
            ["AffiliateSdk:Kafka:GroupId"] = options.GroupId,
        };
        foreach (var (key, value) in options.Consumer)
        {
            settings["AffiliateSdk:Kafka:Consumer:" + key] = value;
        }

        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddLogging();
        services.AddAffiliateSdk().AddKafka().AddParquetLake();
        return services.BuildServiceProvider();
    }
}
