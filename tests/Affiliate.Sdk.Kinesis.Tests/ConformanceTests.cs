namespace Affiliate.Sdk.Kinesis.Tests;

/// <summary>
/// The Kinesis publisher and shard source pass the stream conformance suite on kinesis-local: one two-shard stream and
/// one checkpoint directory per stream name; order per partition key is on, as the suite checks it.
/// </summary>
[Collection(KinesisLocalGroup.Name)]
[RequiresKinesisLocal]
public sealed class KinesisConformanceTests(KinesisLocal server) : EventStreamConformanceTests, IDisposable
{
    private readonly Dictionary<string, (string Stream, TempDirectory Checkpoints)> _streams = [];

    protected override int EventCount => 400;

    protected override async ValueTask<EventStreamSession> OpenAsync(string streamName, CancellationToken cancellationToken)
    {
        if (!_streams.TryGetValue(streamName, out var stream))
        {
            _streams[streamName] = stream = (await server.CreateStreamAsync(2), new TempDirectory());
        }

        var publisher = new KinesisEventPublisher(server.CreateClient(stream.Stream), server.Options(stream.Stream, o => o.PreserveOrderPerPartitionKey = true));
        var source = Harness.Source(server, stream.Stream, stream.Checkpoints.Path, "conformance-worker");
        return new EventStreamSession(publisher, source);
    }

    public void Dispose()
    {
        foreach (var (_, checkpoints) in _streams.Values)
        {
            checkpoints.Dispose();
        }
    }
}

/// <summary>Skips the conformance suite, with the reason, where kinesis-local cannot run (never under CI=true).</summary>
public sealed class RequiresKinesisLocalAttribute : ConformanceSkipAttribute
{
    public override string? Reason => KinesisLocalAvailability.SkipReason;
}
