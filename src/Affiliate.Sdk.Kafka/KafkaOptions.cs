using Affiliate.Sdk.DependencyInjection;

namespace Affiliate.Sdk.Kafka;

/// <summary>Settings of the Kafka stream (configuration section <c>AffiliateSdk:Kafka</c>).</summary>
/// <remarks>
/// Typed settings cover what the SDK tunes; any other librdkafka property (SASL, SSL, client ids, timeouts…) goes in
/// <see cref="Common"/>, <see cref="Producer"/> or <see cref="Consumer"/> under its librdkafka name. A raw property wins
/// over the typed setting it duplicates, except the delivery guarantees, which the SDK enforces and validates.
/// </remarks>
public sealed class KafkaOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = AffiliateSdkOptions.SectionName + ":Kafka";

    /// <summary>Comma-separated <c>host:port</c> list of bootstrap brokers (required).</summary>
    public string BootstrapServers { get; set; } = string.Empty;

    /// <summary>The topic events are published to and read from (default <c>affiliate-events</c>).</summary>
    public string Topic { get; set; } = "affiliate-events";

    /// <summary>The consumer group of the stream-to-lake source (default <c>affiliate-sdk-lake</c>).</summary>
    public string GroupId { get; set; } = "affiliate-sdk-lake";

    /// <summary>The client id sent to the brokers (default <c>affiliate-sdk</c>); visible in broker logs and quotas.</summary>
    public string ClientId { get; set; } = "affiliate-sdk";

    /// <summary>The producer's compression codec (default <see cref="KafkaCompression.Lz4"/>).</summary>
    public KafkaCompression Compression { get; set; } = KafkaCompression.Lz4;

    /// <summary>How long the producer waits to fill a batch (librdkafka <c>linger.ms</c>; default 10 ms).</summary>
    public TimeSpan Linger { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>The largest batch per partition in bytes (librdkafka <c>batch.size</c>; default 1 MiB).</summary>
    public int BatchSizeBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// How long a publish may wait for the broker's acknowledgement, retries included (librdkafka
    /// <c>message.timeout.ms</c>; default 10 s). When it passes the publish fails and the spool takes the event.
    /// </summary>
    public TimeSpan DeliveryTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The most events handed to the producer and not yet acknowledged (default 100,000). Publishers beyond it wait
    /// (back-pressure), so memory stays bounded; librdkafka's queue is sized to match.
    /// </summary>
    public int MaxInFlightEvents { get; set; } = 100_000;

    /// <summary>The most records the source fetches ahead of the reader (default 20,000); beyond it fetching pauses.</summary>
    public int PrefetchRecords { get; set; } = 20_000;

    /// <summary>
    /// How long a partition being revoked is held so the reader can flush the lake and commit what it read of it
    /// (default 10 s); after that it is let go, and the new owner re-reads from the last commit (duplicates, no loss).
    /// </summary>
    public TimeSpan RevocationGracePeriod { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Raw librdkafka properties for both the producer and the consumer (e.g. <c>security.protocol</c>, <c>sasl.*</c>, <c>ssl.*</c>).</summary>
    public IDictionary<string, string> Common { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Raw librdkafka properties for the producer only; they override <see cref="Common"/> and the typed settings.</summary>
    public IDictionary<string, string> Producer { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Raw librdkafka properties for the consumer only; they override <see cref="Common"/> and the typed settings.</summary>
    public IDictionary<string, string> Consumer { get; } = new Dictionary<string, string>(StringComparer.Ordinal);
}

/// <summary>Producer compression codecs the SDK offers.</summary>
public enum KafkaCompression
{
    /// <summary>LZ4: fast, the default.</summary>
    Lz4,

    /// <summary>Zstandard: smaller batches for a little more CPU.</summary>
    Zstd,

    /// <summary>No compression.</summary>
    None,
}
