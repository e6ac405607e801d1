using System.Reflection;
using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace Affiliate.Sdk.Kafka.Tests;

/// <summary>
/// librdkafka's in-process mock cluster (three brokers on 127.0.0.1 speaking the real Kafka protocol), started by a
/// client handle configured with <c>test.mock.num.brokers</c>. Broker outages and topics go through the native
/// <c>rd_kafka_mock_*</c> API of the librdkafka that Confluent.Kafka loads.
/// </summary>
public sealed class MockKafkaCluster : IDisposable
{
    private readonly IProducer<byte[], byte[]> _host;
    private readonly IntPtr _mock;
    private int _topics;

    public MockKafkaCluster()
    {
        _host = new ProducerBuilder<byte[], byte[]>(new ProducerConfig
        {
            BootstrapServers = "localhost:1",
            ClientId = "mock-cluster-host",
        }.Also(c => c.Set("test.mock.num.brokers", "3"))).Build();
        using var admin = new DependentAdminClientBuilder(_host.Handle).Build();
        var metadata = admin.GetMetadata(TimeSpan.FromSeconds(10));
        BrokerIds = metadata.Brokers.Select(b => b.BrokerId).Order().ToArray();
        BootstrapServers = string.Join(",", metadata.Brokers.Select(b => $"{b.Host}:{b.Port}"));
        _mock = Native.rd_kafka_handle_mock_cluster(RawHandle(_host.Handle));
        if (_mock == IntPtr.Zero)
        {
            throw new InvalidOperationException("The client handle did not start a mock cluster.");
        }
    }

    public string BootstrapServers { get; }

    public IReadOnlyList<int> BrokerIds { get; }

    /// <summary>
    /// Options for a test on this cluster. The mock coordinator holds a rebalance open for the session timeout, so
    /// tests use a short one (and frequent heartbeats) to see rebalances within seconds.
    /// </summary>
    public KafkaOptions Options(string topic, string? group = null)
    {
        var options = new KafkaOptions
        {
            BootstrapServers = BootstrapServers,
            Topic = topic,
            GroupId = group ?? "lake-" + Guid.NewGuid().ToString("N"),
            DeliveryTimeout = TimeSpan.FromSeconds(10),
            RevocationGracePeriod = TimeSpan.FromSeconds(5),
        };
        options.Consumer["session.timeout.ms"] = "6000";
        options.Consumer["heartbeat.interval.ms"] = "300";
        return options;
    }

    /// <summary>Creates a topic with a fresh name (the mock has no CreateTopics handler, so through the native API).</summary>
    public string CreateTopic(int partitions = 4, string prefix = "events")
    {
        var name = $"{prefix}-{Interlocked.Increment(ref _topics)}-{Guid.NewGuid():N}";
        Check(Native.rd_kafka_mock_topic_create(_mock, name, partitions, 3), "create topic");
        return name;
    }

    public void BrokerDown(int brokerId) => Check(Native.rd_kafka_mock_broker_set_down(_mock, brokerId), "broker down");

    public void BrokerUp(int brokerId) => Check(Native.rd_kafka_mock_broker_set_up(_mock, brokerId), "broker up");

    public void AllBrokersDown()
    {
        foreach (var id in BrokerIds)
        {
            BrokerDown(id);
        }
    }

    public void AllBrokersUp()
    {
        foreach (var id in BrokerIds)
        {
            BrokerUp(id);
        }
    }

    /// <summary>Makes the next <paramref name="count"/> requests of an API fail with an error code.</summary>
    public void PushRequestErrors(short apiKey, ErrorCode error, int count)
    {
        var errors = Enumerable.Repeat((int)error, count).ToArray();
        Native.rd_kafka_mock_push_request_errors_array(_mock, apiKey, (UIntPtr)count, errors);
    }

    public void Dispose() => _host.Dispose();

    private static void Check(int error, string what)
    {
        if (error != 0)
        {
            throw new InvalidOperationException($"Mock cluster: {what} failed with librdkafka error {error} ({(ErrorCode)error}).");
        }
    }

    private static IntPtr RawHandle(Handle handle)
    {
        // Confluent.Kafka keeps the rd_kafka_t* in an internal SafeHandle.
        var property = typeof(Handle).GetProperty("LibrdkafkaHandle", BindingFlags.Instance | BindingFlags.NonPublic)
            ?? throw new InvalidOperationException("Confluent.Kafka.Handle.LibrdkafkaHandle not found.");
        var safeHandle = (SafeHandle)property.GetValue(handle)!;
        return safeHandle.DangerousGetHandle();
    }

    private static class Native
    {
        private const string Library = "librdkafka";

        static Native()
        {
            // Bind to the very librdkafka build Confluent.Kafka loaded (it picks one of several by what the system
            // provides); a second copy would not know the first one's mock clusters.
            NativeLibrary.SetDllImportResolver(typeof(Native).Assembly, (name, _, _) =>
                name == Library && LoadedLibrdkafka() is { } path ? NativeLibrary.Load(path) : IntPtr.Zero);
        }

        private static string? LoadedLibrdkafka() =>
            File.ReadLines("/proc/self/maps")
                .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Where(parts => parts.Length >= 6 && parts[5].Contains("librdkafka", StringComparison.Ordinal))
                .Select(parts => parts[5])
                .FirstOrDefault();

        [DllImport(Library)]
        public static extern IntPtr rd_kafka_handle_mock_cluster(IntPtr rk);

        [DllImport(Library)]
        public static extern int rd_kafka_mock_broker_set_down(IntPtr mcluster, int brokerId);

        [DllImport(Library)]
        public static extern int rd_kafka_mock_broker_set_up(IntPtr mcluster, int brokerId);

        [DllImport(Library, CharSet = CharSet.Ansi, BestFitMapping = false)]
        public static extern int rd_kafka_mock_topic_create(IntPtr mcluster, string topic, int partitionCount, int replicationFactor);

        [DllImport(Library)]
        public static extern void rd_kafka_mock_push_request_errors_array(IntPtr mcluster, short apiKey, UIntPtr count, int[] errors);
    }
}

internal static class ConfigExtensions
{
    public static T Also<T>(this T value, Action<T> action)
    {
        action(value);
        return value;
    }
}

[CollectionDefinition(Name)]
public sealed class KafkaClusterGroup : ICollectionFixture<MockKafkaCluster>
{
    public const string Name = "kafka";
}
