using System.Globalization;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Affiliate.Sdk.Kinesis.Tests;

/// <summary>How the publisher forms Kinesis records from events, without a server.</summary>
public sealed class PublisherRecordsTests
{
    private sealed class NoClient : IKinesisClient
    {
        public Task<KinesisPutRecordsResult> PutRecordsAsync(string streamName, IReadOnlyList<KinesisPutRecordsEntry> records, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<KinesisShard>> ListShardsAsync(string streamName, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<string> GetShardIteratorAsync(string streamName, string shardId, string iteratorType, string? sequenceNumber, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<KinesisGetRecordsResult> GetRecordsAsync(string shardIterator, int limit, CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    private sealed class PublisherOwner(KinesisEventPublisher publisher) : IDisposable
    {
        public KinesisEventPublisher Publisher { get; } = publisher;

        // Nothing was queued, so disposing only stops the idle loop.
        public void Dispose() => Publisher.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>n shards splitting the 128-bit hash space evenly, as CreateStream does.</summary>
    internal static List<KinesisShard> EvenShards(int n)
    {
        var shards = new List<KinesisShard>();
        var step = UInt128.MaxValue / (UInt128)n;
        for (var i = 0; i < n; i++)
        {
            var start = step * (UInt128)i;
            var end = i == n - 1 ? UInt128.MaxValue : (step * (UInt128)(i + 1)) - 1;
            shards.Add(new KinesisShard($"shardId-{i:D12}", null, null, start.ToString(CultureInfo.InvariantCulture), end.ToString(CultureInfo.InvariantCulture), null));
        }

        return shards;
    }

    private static Gen<(string Key, int Size)> EventGen =>
        from key in Gen.OneOf(
            Gen.Choose(0, 50).Select(i => $"click-{i}"),
            ArbMap.Default.GeneratorFor<Guid>().Select(g => g.ToString("D")),
            Gen.Elements("é", "🙂", new string('k', 256)))
        from size in Gen.Frequency((8, Gen.Choose(50, 600)), (1, Gen.Choose(600, 60_000)), (1, Gen.Choose(0, 10)))
        select (key, size);

    [Property(MaxTest = 60)]
    public Property Every_record_is_within_limits_maps_to_its_shard_and_carries_each_event_once() =>
        Prop.ForAll(
            Arb.From(Gen.ArrayOf(EventGen).Where(a => a.Length > 0)),
            Arb.From(Gen.Choose(1, 8)),
            Arb.From(Gen.Elements(true, false)),
            (events, shardCount, aggregation) =>
            {
                var options = new KinesisOptions { StreamName = "s", Region = "us-east-1", Aggregation = aggregation, AggregationMaxBytes = 51_200, MaxRecordBytes = 1024 * 1024 };
                var map = new ShardMap(EvenShards(shardCount));
                using var owner = new PublisherOwner(new KinesisEventPublisher(new NoClient(), options));
                var publisher = owner.Publisher;
                var completion = new KinesisEventPublisher.Completion(events.Length);
                var pending = events.Select((e, i) =>
                {
                    var data = new byte[e.Size];
                    BitConverter.TryWriteBytes(data.AsSpan(0, Math.Min(4, data.Length)), i);
                    return new KinesisEventPublisher.Pending(data, e.Key, Encoding.UTF8.GetByteCount(e.Key), HashKeys.Of(e.Key), completion, 0);
                }).ToList();

                var queues = publisher.BuildRecords(pending, map);

                var carried = new List<KinesisEventPublisher.Pending>();
                foreach (var (shard, queue) in queues)
                {
                    foreach (var outgoing in queue)
                    {
                        var entry = outgoing.Entry;
                        Assert.True(entry.Data.Length + Encoding.UTF8.GetByteCount(entry.PartitionKey) <= options.MaxRecordBytes, "record over the Kinesis limit");
                        Assert.InRange(entry.PartitionKey.Length, 1, 256);
                        var routed = entry.ExplicitHashKey is { } ehk ? UInt128.Parse(ehk, CultureInfo.InvariantCulture) : HashKeys.Of(entry.PartitionKey);
                        Assert.Equal(shard, map.IndexOf(routed));
                        if (KplAggregation.TryDecode(entry.Data, out var users))
                        {
                            Assert.True(aggregation);
                            Assert.True(entry.Data.Length + Encoding.UTF8.GetByteCount(entry.PartitionKey) <= options.AggregationMaxBytes, "aggregate over AggregationMaxBytes");
                            Assert.Equal(outgoing.Events.Count, users.Count);
                            for (var i = 0; i < users.Count; i++)
                            {
                                // Every user record belongs to the shard the aggregate goes to: the KCL keeps it.
                                Assert.True(map.Contains(shard, HashKeys.Of(users[i].PartitionKey)));
                                Assert.Equal(outgoing.Events[i].PartitionKey, users[i].PartitionKey);
                                Assert.Equal(outgoing.Events[i].Data, users[i].Data.ToArray());
                            }
                        }
                        else
                        {
                            var single = Assert.Single(outgoing.Events);
                            Assert.Equal(single.Data, entry.Data.ToArray());
                            Assert.Equal(single.PartitionKey, entry.PartitionKey);
                        }

                        carried.AddRange(outgoing.Events);
                    }
                }

                Assert.Equal(pending.Count, carried.Count);
                Assert.Equal(pending.ToHashSet(ReferenceEqualityComparer.Instance).Count, carried.ToHashSet(ReferenceEqualityComparer.Instance).Count);
                Assert.True(pending.All(p => carried.Contains(p)));
            });

    [Fact]
    public void Small_events_for_one_shard_share_one_record()
    {
        var options = new KinesisOptions { StreamName = "s", Region = "us-east-1" };
        var map = new ShardMap(EvenShards(1));
        using var owner = new PublisherOwner(new KinesisEventPublisher(new NoClient(), options));
        var publisher = owner.Publisher;
        var completion = new KinesisEventPublisher.Completion(100);
        var pending = Enumerable.Range(0, 100).Select(i => new KinesisEventPublisher.Pending(new byte[300], $"k{i}", 2, HashKeys.Of($"k{i}"), completion, 0)).ToList();

        var queues = publisher.BuildRecords(pending, map);

        var outgoing = Assert.Single(Assert.Single(queues).Value);
        Assert.Equal(100, outgoing.Events.Count);
        Assert.True(outgoing.Aggregated);
    }
}
