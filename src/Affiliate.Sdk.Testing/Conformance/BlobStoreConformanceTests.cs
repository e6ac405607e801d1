using System.Globalization;
using Affiliate.Sdk.Pipeline;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace Affiliate.Sdk.Testing;

/// <summary>
/// What every <see cref="IBlobStore"/> must do: all-or-nothing commits (an unfinished upload is invisible, an aborted or
/// cancelled one leaves nothing, a commit replaces an existing object whole), exact read-back, prefix listing in key
/// order across pages, delete, and the <see cref="BlobKey"/> rules. Derive, and return an empty store from
/// <see cref="CreateStoreAsync"/>; each test gets its own.
/// </summary>
public abstract class BlobStoreConformanceTests
{
    /// <summary>Creates an empty store for one test (a fresh directory, bucket prefix, …). Disposed by the suite if disposable.</summary>
    /// <param name="cancellationToken">Stops the call.</param>
    /// <returns>The store.</returns>
    protected abstract ValueTask<IBlobStore> CreateStoreAsync(CancellationToken cancellationToken);

    /// <summary>How many keys the listing test writes; set it above the store's page size (or make the page small).</summary>
    protected virtual int ListingKeyCount => 1_050;

    /// <summary>
    /// Whether the listing test also writes keys that extend a folder name (<c>events-b/…</c> beside <c>events/…</c>), whose
    /// ordinal key order differs from folder-tree order. Real stores list by key; turn it off only for an emulator that
    /// walks folders (s3rver), and say so.
    /// </summary>
    protected virtual bool ListsKeysExtendingAFolderName => true;

    /// <summary>How many generated contents the round-trip property writes.</summary>
    protected virtual int RoundTripCases => 40;

    /// <summary>The largest generated content, in bytes.</summary>
    protected virtual int MaxContentBytes => 256 * 1024;

    /// <summary>Any content, written in any chunking, reads back byte for byte, with the committed size.</summary>
    /// <returns>The test.</returns>
    [ConformanceFact]
    public Task Committed_content_reads_back_exactly_whatever_its_size_and_chunking()
    {
        var contents =
            from size in Gen.Frequency((1, Gen.Elements(0, 1, 4095, 4096, 4097)), (3, Gen.Choose(0, MaxContentBytes)))
            from chunk in Gen.Choose(1, 70_000)
            from seed in Gen.Choose(0, int.MaxValue)
            select (Size: size, Chunk: chunk, Seed: seed);
        return WithStoreAsync(store => ConformanceProperty.CheckAsync(contents, RoundTripCases, async c =>
        {
            var content = new byte[c.Size];
#pragma warning disable CA5394 // Test content, seeded for reproducibility.
            new Random(c.Seed).NextBytes(content);
#pragma warning restore CA5394
            var key = $"round-trip/{c.Seed}-{c.Size}.bin";
            var item = await WriteAsync(store, key, content, c.Chunk).ConfigureAwait(false);

            Assert.Equal(key, item.Key);
            Assert.Equal(c.Size, item.Size);
            Assert.Equal(content, await ReadAsync(store, key).ConfigureAwait(false));
        }));
    }

    /// <summary>An upload is invisible to reads and listings until it commits.</summary>
    /// <returns>The test.</returns>
    [ConformanceFact]
    public Task An_upload_is_invisible_until_it_commits() => WithStoreAsync(async store =>
    {
        var upload = await store.StartUploadAsync("atomic/part-1.parquet", default).ConfigureAwait(false);
        await using (upload.ConfigureAwait(false))
        {
            await upload.Content.WriteAsync(new byte[10_000]).ConfigureAwait(false);
            await upload.Content.FlushAsync().ConfigureAwait(false);

            Assert.Null(await ReadAsync(store, "atomic/part-1.parquet").ConfigureAwait(false));
            Assert.Empty(await KeysAsync(store, "").ConfigureAwait(false));

            await upload.CommitAsync(default).ConfigureAwait(false);
        }

        Assert.Equal(10_000, (await ReadAsync(store, "atomic/part-1.parquet").ConfigureAwait(false))!.Length);
        Assert.Equal(["atomic/part-1.parquet"], await KeysAsync(store, "").ConfigureAwait(false));
    });

    /// <summary>An upload disposed without commit (a failed or abandoned write) leaves nothing, and an older object stays whole.</summary>
    /// <returns>The test.</returns>
    [ConformanceFact]
    public Task An_upload_disposed_without_commit_leaves_nothing_behind() => WithStoreAsync(async store =>
    {
        await WriteAsync(store, "kept/old.bin", [1, 2, 3]).ConfigureAwait(false);

        foreach (var key in new[] { "aborted/new.bin", "kept/old.bin" })
        {
            var upload = await store.StartUploadAsync(key, default).ConfigureAwait(false);
            await using (upload.ConfigureAwait(false))
            {
                await upload.Content.WriteAsync(new byte[50_000]).ConfigureAwait(false);
            }
        }

        Assert.Null(await ReadAsync(store, "aborted/new.bin").ConfigureAwait(false));
        Assert.Equal([1, 2, 3], await ReadAsync(store, "kept/old.bin").ConfigureAwait(false));
        Assert.Equal(["kept/old.bin"], await KeysAsync(store, "").ConfigureAwait(false));
    });

    /// <summary>A commit with a cancelled token fails and the object stays invisible.</summary>
    /// <returns>The test.</returns>
    [ConformanceFact]
    public Task A_cancelled_commit_leaves_the_object_invisible() => WithStoreAsync(async store =>
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync().ConfigureAwait(false);
        var upload = await store.StartUploadAsync("cancelled/part.bin", default).ConfigureAwait(false);
        await using (upload.ConfigureAwait(false))
        {
            await upload.Content.WriteAsync(new byte[1_000]).ConfigureAwait(false);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => upload.CommitAsync(cancelled.Token).AsTask()).ConfigureAwait(false);
        }

        Assert.Null(await ReadAsync(store, "cancelled/part.bin").ConfigureAwait(false));
        Assert.Empty(await KeysAsync(store, "cancelled/").ConfigureAwait(false));
    });

    /// <summary>Committing to an existing key replaces the object whole; until then readers see the old content.</summary>
    /// <returns>The test.</returns>
    [ConformanceFact]
    public Task A_commit_replaces_an_existing_object_whole() => WithStoreAsync(async store =>
    {
        await WriteAsync(store, "state/manifest.json", "old"u8.ToArray()).ConfigureAwait(false);

        var upload = await store.StartUploadAsync("state/manifest.json", default).ConfigureAwait(false);
        await using (upload.ConfigureAwait(false))
        {
            await upload.Content.WriteAsync("the new, longer content"u8.ToArray()).ConfigureAwait(false);
            Assert.Equal("old"u8.ToArray(), await ReadAsync(store, "state/manifest.json").ConfigureAwait(false));
            var item = await upload.CommitAsync(default).ConfigureAwait(false);
            Assert.Equal(23, item.Size);
        }

        Assert.Equal("the new, longer content"u8.ToArray(), await ReadAsync(store, "state/manifest.json").ConfigureAwait(false));
        var listed = Assert.Single(await ItemsAsync(store, "state/").ConfigureAwait(false));
        Assert.Equal(23, listed.Size);
    });

    /// <summary>Listing returns exactly the committed keys that start with the prefix (a partial segment included), in ordinal key order, across pages.</summary>
    /// <returns>The test.</returns>
    [ConformanceFact]
    public Task Listing_returns_every_key_under_a_prefix_in_key_order_across_pages() => WithStoreAsync(async store =>
    {
        var many = Enumerable.Range(0, ListingKeyCount)
            .Select(i => $"bronze/events/kind=click/dt=2026-03-{1 + (i % 9):D2}/part-{i:D5}.parquet".ToString(CultureInfo.InvariantCulture))
            .ToList();
        List<string> others =
        [
            "bronze/events/kind=conversion/dt=2026-03-01/part-0.parquet",
            "bronze/events/kind=clicks-not/part-0.parquet",
            "silver/clicks/dt=2026-03-01/part-0.parquet",
            "top.json",
        ];
        if (ListsKeysExtendingAFolderName)
        {
            others.AddRange(["bronze/events-b/x.parquet", "bronze/eventsX", "silver/clicks/dt=2026-03-01/part-0.parquet.bak"]);
        }

        await Parallel.ForEachAsync(
            many.Concat(others),
            new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (key, ct) => await WriteAsync(store, key, [(byte)key.Length], cancellationToken: ct).ConfigureAwait(false)).ConfigureAwait(false);
        var all = many.Concat(others).ToList();

        foreach (var prefix in new[] { "", "bronze/", "bronze/events/kind=click/", "bronze/events/kind=cl", "bronze/events", "silver/clicks/dt=2026-03-01/", "nothing/", "top.json" })
        {
            var expected = all.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
            var items = await ItemsAsync(store, prefix).ConfigureAwait(false);
            Assert.Equal(expected, items.Select(i => i.Key).ToList());
            Assert.All(items, i => Assert.Equal(1, i.Size));
        }
    });

    /// <summary>Delete removes an object from reads and listings and says whether there was one.</summary>
    /// <returns>The test.</returns>
    [ConformanceFact]
    public Task Delete_removes_an_object_and_says_whether_there_was_one() => WithStoreAsync(async store =>
    {
        await WriteAsync(store, "gold/daily/dt=2026-03-01/part-0.parquet", [7]).ConfigureAwait(false);
        await WriteAsync(store, "gold/daily/dt=2026-03-02/part-0.parquet", [8]).ConfigureAwait(false);

        Assert.True(await store.DeleteAsync("gold/daily/dt=2026-03-01/part-0.parquet", default).ConfigureAwait(false));
        Assert.False(await store.DeleteAsync("gold/daily/dt=2026-03-01/part-0.parquet", default).ConfigureAwait(false));
        Assert.False(await store.DeleteAsync("never/written.bin", default).ConfigureAwait(false));

        Assert.Null(await ReadAsync(store, "gold/daily/dt=2026-03-01/part-0.parquet").ConfigureAwait(false));
        Assert.Equal(["gold/daily/dt=2026-03-02/part-0.parquet"], await KeysAsync(store, "gold/").ConfigureAwait(false));
    });

    /// <summary>Reading a key that was never written answers null, not an exception.</summary>
    /// <returns>The test.</returns>
    [ConformanceFact]
    public Task Reading_a_missing_key_answers_null() => WithStoreAsync(async store =>
    {
        await WriteAsync(store, "present/a.bin", [1]).ConfigureAwait(false);

        Assert.Null(await ReadAsync(store, "present/b.bin").ConfigureAwait(false));
        Assert.Null(await ReadAsync(store, "present").ConfigureAwait(false));
    });

    /// <summary>Keys and prefixes that break the <see cref="BlobKey"/> rules are refused with <see cref="ArgumentException"/> by every operation.</summary>
    /// <returns>The test.</returns>
    [ConformanceFact]
    public Task Keys_breaking_the_blob_key_rules_are_refused() => WithStoreAsync(async store =>
    {
        string[] badKeys = ["", "/abs", "trailing/", "a//b", "a/./b", "a/../b", "..", "back\\slash", "ctrl\u0001char", "line\nbreak"];
        foreach (var key in badKeys)
        {
            await Assert.ThrowsAnyAsync<ArgumentException>(async () => await (await store.StartUploadAsync(key, default).ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false)).ConfigureAwait(false);
            await Assert.ThrowsAnyAsync<ArgumentException>(async () => await store.OpenReadAsync(key, default).ConfigureAwait(false)).ConfigureAwait(false);
            await Assert.ThrowsAnyAsync<ArgumentException>(async () => await store.DeleteAsync(key, default).ConfigureAwait(false)).ConfigureAwait(false);
        }

        foreach (var prefix in new[] { "/abs", "a/../b", "..", "back\\slash" })
        {
            await Assert.ThrowsAnyAsync<ArgumentException>(() => KeysAsync(store, prefix)).ConfigureAwait(false);
        }

        Assert.Empty(await KeysAsync(store, "").ConfigureAwait(false));
    });

    /// <summary>Writes and commits one object.</summary>
    /// <param name="store">The store.</param>
    /// <param name="key">The key.</param>
    /// <param name="content">The content.</param>
    /// <param name="chunk">Bytes per write call.</param>
    /// <param name="cancellationToken">Stops the write.</param>
    /// <returns>The committed object.</returns>
    protected static async Task<BlobItem> WriteAsync(IBlobStore store, string key, byte[] content, int chunk = 65_536, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(content);
        var upload = await store.StartUploadAsync(key, cancellationToken).ConfigureAwait(false);
        await using (upload.ConfigureAwait(false))
        {
            for (var at = 0; at < content.Length; at += chunk)
            {
                await upload.Content.WriteAsync(content.AsMemory(at, Math.Min(chunk, content.Length - at)), cancellationToken).ConfigureAwait(false);
            }

            return await upload.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads an object whole.</summary>
    /// <param name="store">The store.</param>
    /// <param name="key">The key.</param>
    /// <returns>The bytes, or <see langword="null"/> when there is no such object.</returns>
    protected static async Task<byte[]?> ReadAsync(IBlobStore store, string key)
    {
        ArgumentNullException.ThrowIfNull(store);
        var stream = await store.OpenReadAsync(key, default).ConfigureAwait(false);
        if (stream is null)
        {
            return null;
        }

        await using (stream.ConfigureAwait(false))
        {
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy).ConfigureAwait(false);
            return copy.ToArray();
        }
    }

    private static async Task<List<string>> KeysAsync(IBlobStore store, string prefix) =>
        (await ItemsAsync(store, prefix).ConfigureAwait(false)).Select(i => i.Key).ToList();

    private static async Task<List<BlobItem>> ItemsAsync(IBlobStore store, string prefix)
    {
        var items = new List<BlobItem>();
        await foreach (var item in store.ListAsync(prefix, default).ConfigureAwait(false))
        {
            items.Add(item);
        }

        return items;
    }

    private async Task WithStoreAsync(Func<IBlobStore, Task> test)
    {
        var store = await CreateStoreAsync(default).ConfigureAwait(false);
        try
        {
            await test(store).ConfigureAwait(false);
        }
        finally
        {
            await Disposal.DisposeAsync(store).ConfigureAwait(false);
        }
    }
}
