using System.Net;
using Affiliate.Sdk.DependencyInjection;
using Affiliate.Sdk.LocalLog;
using Affiliate.Sdk.Pipeline;
using Microsoft.Extensions.DependencyInjection;

namespace Affiliate.Sdk.Kinesis.Tests;

[Collection(KinesisLocalGroup.Name)]
public sealed class SpoolTests(KinesisLocal server)
{
    /// <summary>The real client behind a switch: while down, every call fails as an unreachable endpoint would.</summary>
    private sealed class SwitchableClient(IKinesisClient inner) : IKinesisClient
    {
        public volatile bool Down;

        public Task<KinesisPutRecordsResult> PutRecordsAsync(string streamName, IReadOnlyList<KinesisPutRecordsEntry> records, CancellationToken cancellationToken) =>
            Down ? throw Unreachable() : inner.PutRecordsAsync(streamName, records, cancellationToken);

        public Task<IReadOnlyList<KinesisShard>> ListShardsAsync(string streamName, CancellationToken cancellationToken) =>
            Down ? throw Unreachable() : inner.ListShardsAsync(streamName, cancellationToken);

        public Task<string> GetShardIteratorAsync(string streamName, string shardId, string iteratorType, string? sequenceNumber, CancellationToken cancellationToken) =>
            inner.GetShardIteratorAsync(streamName, shardId, iteratorType, sequenceNumber, cancellationToken);

        public Task<KinesisGetRecordsResult> GetRecordsAsync(string shardIterator, int limit, CancellationToken cancellationToken) =>
            inner.GetRecordsAsync(shardIterator, limit, cancellationToken);

        private static KinesisException Unreachable() => new("connection refused", null, null, isRetryable: true, new HttpRequestException("refused", null, HttpStatusCode.ServiceUnavailable));
    }

    [KinesisFact]
    public async Task Events_published_during_an_outage_are_spooled_and_drained_in_order_when_kinesis_returns()
    {
        var stream = await server.CreateStreamAsync(1);
        using var dir = new TempDirectory();
        var client = new SwitchableClient(server.CreateClient(stream)) { Down = true };
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IKinesisClient>(client);
        services.AddAffiliateSdk().AddKinesis(o =>
        {
            var local = server.Options(stream);
            o.StreamName = stream;
            o.Region = local.Region;
            o.ServiceUrl = local.ServiceUrl;
            o.RecordTtl = TimeSpan.FromMilliseconds(200);
            o.RetryBaseDelay = TimeSpan.FromMilliseconds(5);
            o.CheckpointDirectory = Path.Combine(dir.Path, "kinesis");
        });
        services.Configure<LocalLogOptions>(o => o.Directory = Path.Combine(dir.Path, "log"));
        var events = Enumerable.Range(0, 50).Select(i => TestEvents.Click(i)).ToList();
        await using (var provider = services.BuildServiceProvider())
        {
            var publisher = provider.GetRequiredService<IEventPublisher>();
            foreach (var e in events)
            {
                // Acknowledged by the spool's fsync while Kinesis is down.
                await publisher.PublishAsync(e, CancellationToken.None);
            }

            var spool = Assert.IsType<SpoolingEventPublisher>(publisher);
            Assert.True(spool.SpoolDepth > 0);
            client.Down = false;

            var deadline = System.Diagnostics.Stopwatch.StartNew();
            while (spool.SpoolDepth > 0)
            {
                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), $"the spool still holds {spool.SpoolDepth} events");
                await Task.Delay(50);
            }
        }

        await using var source = Harness.Source(server, stream, Path.Combine(dir.Path, "reader"), "w1");
        var seen = await Harness.DrainAsync(source, ids => ids.Count >= events.Count);
        var ids = seen.Select(s => s.EventId).Distinct().ToList();
        Assert.Equal(events.Select(e => e.EventId), ids);
    }
}
