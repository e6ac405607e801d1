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
    public async Task A_compaction_that_commits_and_deletes_while_the_reader_lists_loses_no_row()
    {
        // The listing reads the names of the small files; compaction then commits the merged file and deletes the
        // small ones; the listing finds the small files gone and never saw the merged one.
        var written = await WriteSmallFiles(3, 10);
        var racing = new ListingRaceStore(_store);
        var listing = new Checkpoint();
        racing.AfterKeysRead = (n, _) => n == 1 ? listing.PassAsync() : Task.CompletedTask;
        var reading = ToList(new BronzeReader(racing).ReadEventsAsync(default));
        await listing.WaitReachedAsync();

        Assert.Equal(new CompactionResult(3, 1, 30), await new LakeCompactor(_store, new ParquetLakeOptions()).CompactAsync(default));
        listing.Release();

        var seen = (await reading.WaitAsync(TimeSpan.FromSeconds(30))).Select(r => r.Event.EventId).ToHashSet();
        Assert.Superset(written.Select(r => r.Event.EventId).ToHashSet(), seen);
    }

    [Fact]
    public async Task A_second_compaction_during_the_relisting_after_a_vanished_file_loses_no_row()
    {
        // The reader lists A and B and reads A; compaction 1 merges A and B into M1; B is gone when the reader opens it,
        // so it lists the partition again; meanwhile compaction 2 merges M1 and a new C into M2 and deletes M1 and C.
        var written = await WriteSmallFiles(2, 10);
        var compactor = new LakeCompactor(_store, new ParquetLakeOptions());
        var reader = new BronzeReader(_store);
        var b = (await ToList(reader.ListEventFilesAsync(default)))[1].Key;
        var racing = new ListingRaceStore(_store);
        var openingB = new Checkpoint();
        var relisting = new Checkpoint();
        racing.BeforeOpen = key => key == b ? openingB.PassAsync() : Task.CompletedTask;
        racing.AfterKeysRead = (n, _) => n == 2 ? relisting.PassAsync() : Task.CompletedTask;
        var reading = ToList(new BronzeReader(racing).ReadEventsAsync(default));

        await openingB.WaitReachedAsync();
        Assert.Equal(new CompactionResult(2, 1, 20), await compactor.CompactAsync(default));
        await WriteSmallFiles(1, 10, first: 100);
        openingB.Release();
        await relisting.WaitReachedAsync();
        Assert.Equal(new CompactionResult(2, 1, 30), await compactor.CompactAsync(default));
        relisting.Release();

        var seen = (await reading.WaitAsync(TimeSpan.FromSeconds(30))).Select(r => r.Event.EventId).ToHashSet();
        Assert.Superset(written.Select(r => r.Event.EventId).ToHashSet(), seen);
    }

    [Fact]
    public async Task Each_merged_file_is_in_the_journal_before_any_of_its_sources_is_deleted()
    {
        await WriteSmallFiles(3, 10);
        var reader = new BronzeReader(_store);
        var sources = (await ToList(reader.ListEventFilesAsync(default))).Select(f => f.Key).ToList();
        var recording = new ListingRaceStore(_store);
        var journalAtDeletes = new List<CompactionJournal>();
        recording.BeforeDelete = async _ => journalAtDeletes.Add(await CompactionJournal.ReadAsync(_store, default));

        await new LakeCompactor(recording, new ParquetLakeOptions()).CompactAsync(default);

        var merged = Assert.Single(await ToList(reader.ListEventFilesAsync(default))).Key;
        Assert.Equal(3, journalAtDeletes.Count);
        Assert.All(journalAtDeletes, j => Assert.Equal(merged, Assert.Single(j.Merges).File));
        Assert.Equal(sources, await reader.ReadCompactedFromAsync(merged, default));
        Assert.Equal(1, (await CompactionJournal.ReadAsync(_store, default)).Sequence);
    }

    [Fact]
    public async Task A_reader_lists_again_when_more_merges_ran_during_its_listing_than_the_journal_keeps()
    {
        var written = await WriteSmallFiles(2, 10);
        var racing = new ListingRaceStore(_store);
        var listing = new Checkpoint();
        var listings = 0;
        racing.AfterKeysRead = (n, _) =>
        {
            listings = n;
            return n == 1 ? listing.PassAsync() : Task.CompletedTask;
        };
        var reading = ToList(new BronzeReader(racing).ReadEventsAsync(default));
        await listing.WaitReachedAsync();

        // The real merge, then enough (made-up) merges to push it out of the journal.
        await new LakeCompactor(_store, new ParquetLakeOptions()).CompactAsync(default);
        var partition = (await ToList(_store.ListAsync(BronzeLayout.EventsPrefix, default))).Select(f => BronzeLayout.PartitionOf(f.Key)).First();
        for (var i = 0; i < CompactionJournal.Capacity; i++)
        {
            await CompactionJournal.AppendAsync(_store, partition + BronzeLayout.NewFileName(T0), default);
        }

        listing.Release();

        var seen = (await reading.WaitAsync(TimeSpan.FromSeconds(30))).Select(r => r.Event.EventId).ToHashSet();
        Assert.Superset(written.Select(r => r.Event.EventId).ToHashSet(), seen);
        Assert.True(listings >= 2);
    }

    [Fact]
    public void The_journal_names_the_merges_since_a_sequence_or_says_it_no_longer_reaches_back()
    {
        const string p = "bronze/events/kind=click/dt=2026-11-25/hour=09/";
        var journal = new CompactionJournal
        {
            Sequence = 7,
            Merges = [new() { Sequence = 5, File = p + "a.parquet" }, new() { Sequence = 6, File = "bronze/events/kind=click/dt=2026-11-25/hour=10/b.parquet" }, new() { Sequence = 7, File = p + "c.parquet" }],
        };

        Assert.Equal([p + "a.parquet", p + "c.parquet"], journal.MergedSince(5, p));
        Assert.Equal([p + "c.parquet"], journal.MergedSince(6, p));
        Assert.Equal([p + "c.parquet"], journal.MergedSince(7, p));
        Assert.Null(journal.MergedSince(4, p)); // merge 4 is no longer kept
        Assert.Null(journal.MergedSince(0, p));
        Assert.Null(journal.MergedSince(8, p)); // replaced since
        Assert.Empty(new CompactionJournal().MergedSince(0, p)!);
    }

    [Fact]
    public async Task An_invalid_journal_stops_the_reader_with_an_error_naming_it()
    {
        await WriteSmallFiles(2, 10);
        await using (var upload = await _store.StartUploadAsync(CompactionJournal.Key, default))
        {
            await upload.Content.WriteAsync("{\"sequence\": 1, \"merges\": [{\"sequence\": 1, \"file\": \"../../etc/passwd\"}]}"u8.ToArray());
            await upload.CommitAsync(default);
        }

        var ex = await Assert.ThrowsAsync<AffiliateSdkException>(() => ToList(new BronzeReader(_store).ReadEventsAsync(default)));
        Assert.Contains(CompactionJournal.Key, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_bronze_event_partitions_can_be_compacted()
    {
        var compactor = new LakeCompactor(_store, new ParquetLakeOptions());

        await Assert.ThrowsAsync<ArgumentException>(async () => await compactor.CompactPartitionAsync("bronze/rejects/dt=2026-11-25/", default));
        await Assert.ThrowsAsync<ArgumentException>(async () => await compactor.CompactPartitionAsync("bronze/events/kind=click", default));
    }
}
