using System.Globalization;

namespace Affiliate.Sdk.Kinesis.Tests;

public sealed class CheckpointStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_write_succeeds_only_over_the_version_it_replaces()
    {
        var store = new FileKinesisCheckpointStore(_dir.Path);
        var first = new KinesisShardLease("shardId-000000000000", "a", T0, null, null, false, 1);

        Assert.True(await store.TryWriteAsync("s", first, CancellationToken.None));
        Assert.False(await store.TryWriteAsync("s", first with { Owner = "b" }, CancellationToken.None));
        Assert.True(await store.TryWriteAsync("s", first with { Owner = "b", Version = 2 }, CancellationToken.None));
        Assert.False(await store.TryWriteAsync("s", first with { Owner = "c", Version = 2 }, CancellationToken.None));

        var stored = Assert.Single(await store.ListAsync("s", CancellationToken.None));
        Assert.Equal("b", stored.Owner);
    }

    [Fact]
    public async Task Checkpoints_survive_a_new_store_instance()
    {
        var checkpoint = new KinesisShardCheckpoint("49680548017686908640620074382671633046490064748233621506", 17, RecordComplete: false);
        var lease = new KinesisShardLease("shardId-000000000001", null, T0, "w2", checkpoint, ShardEnded: true, 1);
        await new FileKinesisCheckpointStore(_dir.Path).TryWriteAsync("s", lease, CancellationToken.None);

        var read = Assert.Single(await new FileKinesisCheckpointStore(_dir.Path).ListAsync("s", CancellationToken.None));

        Assert.Equal(lease, read);
        Assert.False(File.Exists(Path.Combine(_dir.Path, "s.leases.json.tmp")));
    }

    [Fact]
    public async Task Concurrent_writers_of_one_version_have_exactly_one_winner()
    {
        var stores = Enumerable.Range(0, 8).Select(_ => new FileKinesisCheckpointStore(_dir.Path)).ToList();

        var results = await Task.WhenAll(stores.Select((store, i) =>
            store.TryWriteAsync("s", new KinesisShardLease("shardId-000000000000", $"w{i}", T0, null, null, false, 1), CancellationToken.None).AsTask()));

        Assert.Single(results, won => won);
    }

    [Theory]
    [InlineData("4968054801:3", "4968054801", 3, true)]
    [InlineData("4968054801:0+", "4968054801", 0, false)]
    public void Checkpoint_values_parse_to_sequence_sub_sequence_and_completeness(string value, string sequence, long sub, bool complete)
    {
        Assert.Equal(new KinesisShardCheckpoint(sequence, sub, complete), KinesisEventSource.ParseCheckpoint(value));
    }

    [Fact]
    public void Hash_keys_map_to_the_shard_whose_range_holds_them()
    {
        var map = new ShardMap(PublisherRecordsTests.EvenShards(4));
        var quarter = UInt128.MaxValue / 4;

        Assert.Equal(0, map.IndexOf(UInt128.Zero));
        Assert.Equal(0, map.IndexOf(quarter - 1));
        Assert.Equal(1, map.IndexOf(quarter));
        Assert.Equal(3, map.IndexOf(UInt128.MaxValue));
        Assert.Equal(quarter.ToString(CultureInfo.InvariantCulture), map.ExplicitHashKey(1));
    }
}
