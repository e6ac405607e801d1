using System.Collections.Concurrent;

namespace Affiliate.Sdk.Kinesis.Tests;

[Collection(KinesisLocalGroup.Name)]
public sealed class PartialFailureTests(KinesisLocal server)
{
    /// <summary>The real client, except that the first calls report every other entry throttled without writing it.</summary>
    private sealed class ThrottlingClient(IKinesisClient inner, int throttledCalls) : IKinesisClient
    {
        private int _calls;

        public ConcurrentQueue<int> CallSizes { get; } = new();

        public async Task<KinesisPutRecordsResult> PutRecordsAsync(string streamName, IReadOnlyList<KinesisPutRecordsEntry> records, CancellationToken cancellationToken)
        {
            CallSizes.Enqueue(records.Count);
            if (Interlocked.Increment(ref _calls) > throttledCalls)
            {
                return await inner.PutRecordsAsync(streamName, records, cancellationToken);
            }

            var passed = records.Where((_, i) => i % 2 == 0).ToList();
            var result = await inner.PutRecordsAsync(streamName, passed, cancellationToken);
            var entries = new List<KinesisPutRecordsResultEntry>();
            for (var i = 0; i < records.Count; i++)
            {
                entries.Add(i % 2 == 0 ? result.Records[i / 2] : new KinesisPutRecordsResultEntry(null, null, "ProvisionedThroughputExceededException", "Rate exceeded for shard"));
            }

            return new KinesisPutRecordsResult(records.Count - passed.Count, entries);
        }

        public Task<IReadOnlyList<KinesisShard>> ListShardsAsync(string streamName, CancellationToken cancellationToken) => inner.ListShardsAsync(streamName, cancellationToken);

        public Task<string> GetShardIteratorAsync(string streamName, string shardId, string iteratorType, string? sequenceNumber, CancellationToken cancellationToken) =>
            inner.GetShardIteratorAsync(streamName, shardId, iteratorType, sequenceNumber, cancellationToken);

        public Task<KinesisGetRecordsResult> GetRecordsAsync(string shardIterator, int limit, CancellationToken cancellationToken) => inner.GetRecordsAsync(shardIterator, limit, cancellationToken);
    }

    [KinesisTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Only_failed_entries_are_retried_and_every_event_arrives_once(bool aggregation)
    {
        var stream = await server.CreateStreamAsync(2);
        using var dir = new TempDirectory();
        var events = TestEvents.Mixed(aggregation ? 400 : 120);
        var client = new ThrottlingClient(server.CreateClient(stream), throttledCalls: 2);
        await using (var publisher = new KinesisEventPublisher(client, server.Options(stream, o => o.Aggregation = aggregation)))
        {
            await publisher.PublishBatchAsync(events, CancellationToken.None);
        }

        var sizes = client.CallSizes.ToArray();
        Assert.True(sizes.Length >= 3, $"expected retries, saw calls of {string.Join(", ", sizes)}");

        // Each retry carries exactly the entries that failed in the call before: half of it (rounded down).
        Assert.Equal(sizes[0] / 2, sizes[1]);
        Assert.Equal(sizes[1] / 2, sizes[2]);

        await using var source = Harness.Source(server, stream, dir.Path, "w1");
        var seen = await Harness.DrainAsync(source, ids => ids.Count >= events.Count);
        Assert.Equal(events.Count, seen.Count);
        Assert.Equal(events.Select(e => e.EventId).Order(), seen.Select(s => s.EventId).Order());
    }

    [KinesisFact]
    public async Task Unknown_stream_fails_the_publish_with_a_publish_exception()
    {
        server.RequireRunning();
        var publisher = new KinesisEventPublisher(server.CreateClient("missing"), server.Options("missing-stream-" + Guid.NewGuid().ToString("N")[..8], o => o.RecordTtl = TimeSpan.FromMilliseconds(300)));
        await using (publisher)
        {
            var error = await Assert.ThrowsAsync<PublishException>(() => publisher.PublishAsync(TestEvents.Click(1), CancellationToken.None).AsTask());
            Assert.Contains("missing-stream", error.Message, StringComparison.Ordinal);
        }
    }
}
