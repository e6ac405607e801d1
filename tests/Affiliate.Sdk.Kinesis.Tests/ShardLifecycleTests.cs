using System.Collections.Concurrent;
using System.Diagnostics;
using Affiliate.Sdk.Json;

namespace Affiliate.Sdk.Kinesis.Tests;

[Collection(KinesisLocalGroup.Name)]
public sealed class ShardLifecycleTests(KinesisLocal server)
{
    [KinesisFact]
    public async Task Split_mid_stream_loses_nothing_and_reads_the_parent_before_its_children()
    {
        var stream = await server.CreateStreamAsync(1);
        using var dir = new TempDirectory();
        var before = TestEvents.Mixed(600);
        var after = TestEvents.Mixed(600, offset: 600);
        await using var source = Harness.Source(server, stream, dir.Path, "w1");
        await using (var publisher = new KinesisEventPublisher(server.CreateClient(stream), server.Options(stream)))
        {
            await publisher.PublishBatchAsync(before, CancellationToken.None);

            // Part of the parent is read and committed before the split.
            Read.UnionWith((await Harness.DrainAsync(source, ids => ids.Count >= 100, batchSize: 50)).Select(s => s.EventId));
            using var client = server.CreateClient(stream);
            var parent = Assert.Single(await client.ListShardsAsync(stream, CancellationToken.None));
            await server.SplitAsync(stream, parent);

            await publisher.PublishBatchAsync(after, CancellationToken.None);
        }

        var expected = before.Concat(after).Select(e => e.EventId).ToHashSet();
        var seen = await Harness.DrainAsync(source, ids => expected.IsSubsetOf(ids.Concat(Read)) && ids.Count > 0);
        Read.UnionWith(seen.Select(s => s.EventId));

        Assert.Equal(expected, Read);
        using var listing = server.CreateClient(stream);
        var shards = await listing.ListShardsAsync(stream, CancellationToken.None);
        Assert.Equal(3, shards.Count);
        var parentId = shards.Single(s => !s.IsOpen).ShardId;

        // Every record of the parent came before any record of a child.
        var lastParent = seen.FindLastIndex(s => s.Record.Partition == parentId);
        var firstChild = seen.FindIndex(s => s.Record.Partition != parentId);
        Assert.True(lastParent >= 0, "the parent's unread records were not read after the split");
        Assert.True(firstChild > lastParent, $"a child record (#{firstChild}) came before the parent's last (#{lastParent})");
        Assert.All(after.Select(e => e.EventId), id => Assert.Contains(id, Read));
    }

    private HashSet<Guid> Read { get; } = [];

    [KinesisFact]
    public async Task Worker_killed_without_committing_is_replaced_and_nothing_is_lost()
    {
        var stream = await server.CreateStreamAsync(2);
        using var dir = new TempDirectory();
        var events = TestEvents.Mixed(900);
        await using (var publisher = new KinesisEventPublisher(server.CreateClient(stream), server.Options(stream)))
        {
            await publisher.PublishBatchAsync(events, CancellationToken.None);
        }

        // The first worker commits one batch, reads another and "dies": no commit, no lease release.
        var killed = Harness.Source(server, stream, dir.Path, "killed", o => o.LeaseDuration = TimeSpan.FromSeconds(1));
        var committed = await Harness.DrainAsync(killed, ids => ids.Count >= 200);
        await killed.ReadAsync(300, TimeSpan.FromSeconds(1), CancellationToken.None);

        await using var replacement = Harness.Source(server, stream, dir.Path, "replacement", o => o.LeaseDuration = TimeSpan.FromSeconds(1));
        var rest = await Harness.DrainAsync(replacement, ids => ids.Count + committed.Select(c => c.EventId).Distinct().Count() >= events.Count);

        var all = committed.Concat(rest).Select(s => s.EventId).ToHashSet();
        Assert.Equal(events.Select(e => e.EventId).ToHashSet(), all);
    }

    [KinesisFact]
    public async Task Two_workers_share_the_shards_and_never_read_one_shard_at_once()
    {
        var stream = await server.CreateStreamAsync(4);
        using var dir = new TempDirectory();
        var events = TestEvents.Mixed(2000);
        await using var publisher = new KinesisEventPublisher(server.CreateClient(stream), server.Options(stream));
        await publisher.PublishBatchAsync(events.Take(500).ToList(), CancellationToken.None);

        // The rest keeps arriving while the second worker joins and takes its share of the leases, so that both
        // workers have records to read whatever the speed of the machine.
        async Task PublishTheRestAsync()
        {
            foreach (var slice in events.Skip(500).Chunk(100))
            {
                await Task.Delay(300);
                await publisher.PublishBatchAsync(slice, CancellationToken.None);
            }
        }

        var busy = new ConcurrentDictionary<string, string>();
        var owners = new ConcurrentDictionary<string, ConcurrentBag<string>>();
        var seen = new ConcurrentBag<Guid>();
        var violations = new ConcurrentBag<string>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(90));

        async Task RunAsync(string worker, TimeSpan startDelay)
        {
            await Task.Delay(startDelay);
            await using var source = Harness.Source(server, stream, dir.Path, worker);
            var clock = Stopwatch.StartNew();
            while (!stop.IsCancellationRequested && (seen.Distinct().Count() < events.Count || clock.Elapsed < TimeSpan.FromSeconds(6)))
            {
                var batch = await source.ReadAsync(100, TimeSpan.FromMilliseconds(100), stop.Token);
                var shards = batch.Records.Select(r => r.Partition).Distinct().ToList();
                foreach (var shard in shards)
                {
                    if (!busy.TryAdd(shard, worker))
                    {
                        violations.Add($"{worker} read {shard} while {busy[shard]} was processing it");
                    }

                    owners.GetOrAdd(shard, _ => []).Add(worker);
                }

                foreach (var r in batch.Records)
                {
                    seen.Add(TrackingEventSerializer.Deserialize(r.Payload.Span).EventId);
                }

                // "Processing": the lake write before the commit.
                await Task.Delay(20, stop.Token);
                await source.CommitAsync(batch.Checkpoint, stop.Token);
                foreach (var shard in shards)
                {
                    busy.TryRemove(new KeyValuePair<string, string>(shard, worker));
                }
            }
        }

        await Task.WhenAll(RunAsync("worker-a", TimeSpan.Zero), RunAsync("worker-b", TimeSpan.FromMilliseconds(300)), PublishTheRestAsync());

        Assert.Empty(violations);
        Assert.Equal(events.Select(e => e.EventId).ToHashSet(), seen.ToHashSet());
        Assert.Contains(owners.Values, bag => bag.Contains("worker-b"));
        Assert.Contains(owners.Values, bag => bag.Contains("worker-a"));
    }
}
