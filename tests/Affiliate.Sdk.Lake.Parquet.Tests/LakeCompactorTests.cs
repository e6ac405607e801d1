using Affiliate.Sdk.Pipeline;

namespace Affiliate.Sdk.Lake.Parquet.Tests;

public sealed class LakeCompactorTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 9, 30, 0, TimeSpan.Zero);
    private readonly TempDirectory _dir = new();
    private readonly LocalDiskBlobStore _store;

    public LakeCompactorTests() => _store = new LocalDiskBlobStore(_dir.Path);

    public void Dispose() => _dir.Dispose();

    private static async Task<List<T>> ToList<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items)
        {
            list.Add(item);
        }

        return list;
    }

    private async Task<List<BronzeRecord>> WriteSmallFiles(int files, int rowsPerFile, int first = 0)
    {
        var writer = new ParquetLakeWriter(_store, new ParquetLakeOptions());
        var all = new List<BronzeRecord>();
        for (var f = 0; f < files; f++)
        {
            var rows = Enumerable.Range(first + f * rowsPerFile, rowsPerFile).Select(i => LakeGenerators.Click(i, T0.AddSeconds(i))).ToList();
            await writer.AppendAsync(rows, [], default);
            await writer.FlushAsync(default);
            all.AddRange(rows);
        }

        return all;
    }

    [Fact]
    public async Task Small_files_of_a_partition_merge_into_one_with_identical_rows()
    {
        var written = await WriteSmallFiles(5, 40);
        var reader = new BronzeReader(_store);
        var sources = (await ToList(reader.ListEventFilesAsync(default))).Select(f => f.Key).ToList();
        var before = await ToList(reader.ReadEventsAsync(default));

        var result = await new LakeCompactor(_store, new ParquetLakeOptions { RowGroupRows = 64 }).CompactAsync(default);

        Assert.Equal(new CompactionResult(5, 1, 200), result);
        var merged = Assert.Single(await ToList(reader.ListEventFilesAsync(default)));
        Assert.Equal(sources, await reader.ReadCompactedFromAsync(merged.Key, default));
        var after = await ToList(reader.ReadEventsAsync(default));
        Assert.Equal(before.OrderBy(r => r.Event.EventId), after.OrderBy(r => r.Event.EventId));
        Assert.Equal(written.Select(LakeGenerators.Truncated).OrderBy(r => r.Event.EventId), after.OrderBy(r => r.Event.EventId));
    }

    [Fact]
    public async Task A_compacted_file_names_the_sources_of_its_sources()
    {
        await WriteSmallFiles(2, 3);
        var compactor = new LakeCompactor(_store, new ParquetLakeOptions());
        var reader = new BronzeReader(_store);
        var originals = (await ToList(reader.ListEventFilesAsync(default))).Select(f => f.Key).ToList();
        await compactor.CompactAsync(default);
        var first = Assert.Single(await ToList(reader.ListEventFilesAsync(default))).Key;
        await WriteSmallFiles(1, 3, first: 100);

        await compactor.CompactAsync(default);

        var second = Assert.Single(await ToList(reader.ListEventFilesAsync(default))).Key;
        var from = await reader.ReadCompactedFromAsync(second, default);
        Assert.Contains(first, from);
        Assert.All(originals, o => Assert.Contains(o, from));
        Assert.Equal(9, (await ToList(reader.ReadEventsAsync(default))).Count);
    }

    [Fact]
    public async Task Large_files_and_lone_small_files_are_left_alone()
    {
        await WriteSmallFiles(1, 10);

        var result = await new LakeCompactor(_store, new ParquetLakeOptions()).CompactAsync(default);

        Assert.Equal(new CompactionResult(0, 0, 0), result);
        var tiny = new ParquetLakeOptions { CompactionSmallFileBytes = 1 };
        await WriteSmallFiles(2, 10, first: 50);
        Assert.Equal(new CompactionResult(0, 0, 0), await new LakeCompactor(_store, tiny).CompactAsync(default));
    }

    [Fact]
    public async Task A_reader_running_during_compaction_never_fails_and_never_misses_a_row()
    {
        var expected = (await WriteSmallFiles(6, 20)).Select(r => r.Event.EventId).ToHashSet();
        var compactor = new LakeCompactor(_store, new ParquetLakeOptions());
        using var stop = new CancellationTokenSource();
        var reads = 0;
        var readerTask = Task.Run(async () =>
        {
            var reader = new BronzeReader(_store);
            while (!stop.IsCancellationRequested || reads < 3)
            {
                // Every row committed before the read started must be seen (later ones may be).
                HashSet<Guid> committed;
                lock (expected)
                {
                    committed = [.. expected];
                }

                var seen = (await ToList(reader.ReadEventsAsync(default))).Select(r => r.Event.EventId).ToHashSet();
                Assert.Superset(committed, seen);

                reads++;
            }
        });

        for (var round = 0; round < 15; round++)
        {
            var more = await WriteSmallFiles(2, 20, first: 1000 + round * 40);
            lock (expected)
            {
                expected.UnionWith(more.Select(r => r.Event.EventId));
            }

            await compactor.CompactAsync(default);
        }

        stop.Cancel();
        await readerTask.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(reads >= 3);
    }

    [Fact]
    public async Task Only_bronze_event_partitions_can_be_compacted()
    {
        var compactor = new LakeCompactor(_store, new ParquetLakeOptions());

        await Assert.ThrowsAsync<ArgumentException>(async () => await compactor.CompactPartitionAsync("bronze/rejects/dt=2026-11-25/", default));
        await Assert.ThrowsAsync<ArgumentException>(async () => await compactor.CompactPartitionAsync("bronze/events/kind=click", default));
    }
}
