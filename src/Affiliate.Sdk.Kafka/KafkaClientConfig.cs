using Confluent.Kafka;

namespace Affiliate.Sdk.Kafka;

/// <summary>Turns <see cref="KafkaOptions"/> into librdkafka configurations: typed settings, then raw ones, then the guarantees.</summary>
internal static class KafkaClientConfig
{
    public static ProducerConfig ForProducer(KafkaOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var config = new ProducerConfig
        {
            BootstrapServers = options.BootstrapServers,
            ClientId = options.ClientId,
            LingerMs = options.Linger.TotalMilliseconds,
            BatchSize = options.BatchSizeBytes,
            CompressionType = options.Compression switch
            {
                KafkaCompression.Zstd => CompressionType.Zstd,
                KafkaCompression.None => CompressionType.None,
                _ => CompressionType.Lz4,
            },
            MessageTimeoutMs = (int)options.DeliveryTimeout.TotalMilliseconds,

            // The publisher bounds what it hands over (MaxInFlightEvents); librdkafka's queue is sized to hold it all.
            QueueBufferingMaxMessages = options.MaxInFlightEvents,

            // The delivery report needs only the outcome, not the key, value and headers marshalled back.
            DeliveryReportFields = "status",
        };

        Apply(config, options.Common);
        Apply(config, options.Producer);

        // The guarantees last, so no raw setting can weaken them (the validator also rejects conflicting values).
        config.EnableIdempotence = true;
        config.Acks = Acks.All;
        config.BootstrapServers = options.BootstrapServers;
        return config;
    }

    public static ConsumerConfig ForConsumer(KafkaOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var config = new ConsumerConfig
        {
            BootstrapServers = options.BootstrapServers,
            ClientId = options.ClientId,
            AutoOffsetReset = AutoOffsetReset.Earliest,
        };

        Apply(config, options.Common);
        Apply(config, options.Consumer);
        config.BootstrapServers = options.BootstrapServers;
        config.GroupId = options.GroupId;
        config.EnableAutoCommit = false;
        config.EnableAutoOffsetStore = false;
        config.PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky;

        // The source needs the topic (partition ownership) and timestamp, not the headers: skip marshalling them.
        config.ConsumeResultFields = "topic,timestamp";
        return config;
    }

    private static void Apply(ClientConfig config, IDictionary<string, string> settings)
    {
        foreach (var (key, value) in settings)
        {
            config.Set(key, value);
        }
    }
}
