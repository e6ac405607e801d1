namespace Affiliate.Sdk.Kinesis;

/// <summary>Settings of the Kinesis stream, bound from <c>AffiliateSdk:Kinesis</c> and validated at start.</summary>
public sealed class KinesisOptions
{
    /// <summary>The configuration section, <c>AffiliateSdk:Kinesis</c>.</summary>
    public const string SectionName = "AffiliateSdk:Kinesis";

    /// <summary>The stream's name (required).</summary>
    public string StreamName { get; set; } = "";

    /// <summary>The AWS region, e.g. <c>eu-west-1</c>; used for the endpoint and the SigV4 scope. Falls back to <c>AWS_REGION</c>.</summary>
    public string? Region { get; set; }

    /// <summary>An endpoint instead of <c>https://kinesis.&lt;region&gt;.amazonaws.com/</c> (VPC endpoints, emulators).</summary>
    public Uri? ServiceUrl { get; set; }

    /// <summary>An access key id; leave unset to use the default AWS credential chain (environment, profile, SSO, web identity, container, instance).</summary>
    public string? AccessKeyId { get; set; }

    /// <summary>The secret of <see cref="AccessKeyId"/>.</summary>
    public string? SecretAccessKey { get; set; }

    /// <summary>A session token for temporary credentials given in <see cref="AccessKeyId"/>.</summary>
    public string? SessionToken { get; set; }

    /// <summary>Packs many events into one Kinesis record in the KPL aggregation format (default on).</summary>
    public bool Aggregation { get; set; } = true;

    /// <summary>The largest aggregated record in bytes (default 51,200 like the KPL; at most <see cref="MaxRecordBytes"/>).</summary>
    public int AggregationMaxBytes { get; set; } = 51_200;

    /// <summary>The most records per PutRecords call (Kinesis limit 500).</summary>
    public int MaxRecordsPerCall { get; set; } = 500;

    /// <summary>The most bytes (data + partition keys) per PutRecords call (Kinesis limit 5 MiB).</summary>
    public int MaxBytesPerCall { get; set; } = 5 * 1024 * 1024;

    /// <summary>The largest record, data + partition key (Kinesis limit 1 MiB unless the stream opted in to more).</summary>
    public int MaxRecordBytes { get; set; } = 1024 * 1024;

    /// <summary>How long the publisher waits to collect more events into a call (default 20 ms).</summary>
    public TimeSpan Linger { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>The most events waiting in the publisher; further publishes wait (back-pressure).</summary>
    public int MaxBufferedEvents { get; set; } = 200_000;

    /// <summary>Keeps events of one partition key in order: at most one record per shard in flight (slower; see docs).</summary>
    public bool PreserveOrderPerPartitionKey { get; set; }

    /// <summary>How long the publisher retries failed entries before failing the events (then the spool takes them).</summary>
    public TimeSpan RecordTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The first retry delay; doubled per attempt with full jitter.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest retry delay.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the shard map (publisher) and shard list (source) are refreshed.</summary>
    public TimeSpan ShardRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The timeout of one HTTP call.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Where the default checkpoint store keeps checkpoints and leases (relative to the content root).</summary>
    public string CheckpointDirectory { get; set; } = "data/kinesis";

    /// <summary>This worker's lease owner name; default host name + process id + a random suffix.</summary>
    public string? WorkerId { get; set; }

    /// <summary>How long a shard lease lasts without renewal; must exceed the longest read → lake → commit cycle.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The most records one GetRecords call returns (Kinesis limit 10,000).</summary>
    public int MaxRecordsPerRead { get; set; } = 10_000;

    /// <summary>The least time between two GetRecords calls on one shard (Kinesis allows 5 per second per shard).</summary>
    public TimeSpan ReadInterval { get; set; } = TimeSpan.FromMilliseconds(200);
}
