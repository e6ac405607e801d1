using System.Runtime.CompilerServices;
using Affiliate.Sdk.Pipeline;

namespace Affiliate.Sdk.Lake.Parquet;

/// <summary>
/// Lists bronze files and reads their rows back. Reading the whole lake tolerates concurrent compaction: a listed file
/// that vanishes before it is opened was merged into a newer file, which is then read instead, and a merged file
/// committed while listing is found in the compaction journal even when the listing missed it and its sources (rows may
/// repeat: bronze is at-least-once and silver deduplicates by <c>event_id</c>).
/// </summary>
public sealed class BronzeReader
{
    private readonly IBlobStore _store;

    /// <summary>Creates a reader over a lake.</summary>
    /// <param name="store">The lake's store.</param>
    public BronzeReader(IBlobStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
    }

    /// <summary>Lists committed bronze event files in key order (partition, then time).</summary>
    /// <remarks>
    /// A listing is not a snapshot: one running while compaction merges files may miss the merged file and its sources
    /// alike. To read every row, use <see cref="ReadEventsAsync"/>, which makes up for it.
    /// </remarks>
    /// <param name="cancellationToken">Stops the listing.</param>
    /// <returns>The files.</returns>
    public IAsyncEnumerable<BlobItem> ListEventFilesAsync(CancellationToken cancellationToken) => ListDataFilesAsync(BronzeLayout.EventsPrefix, cancellationToken);

    /// <summary>Lists committed reject files in key order.</summary>
    /// <param name="cancellationToken">Stops the listing.</param>
    /// <returns>The files.</returns>
    public IAsyncEnumerable<BlobItem> ListRejectFilesAsync(CancellationToken cancellationToken) => ListDataFilesAsync(BronzeLayout.RejectsPrefix, cancellationToken);

    /// <summary>Reads the rows of one events file.</summary>
    /// <param name="key">The file's key.</param>
    /// <param name="cancellationToken">Stops the read.</param>
    /// <returns>The rows, in file order.</returns>
    /// <exception cref="FileNotFoundException">There is no such file (compaction may have merged it).</exception>
    public async IAsyncEnumerable<BronzeRecord> ReadEventFileAsync(string key, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var stream = await OpenAsync(key, cancellationToken).ConfigureAwait(false)
            ?? throw new FileNotFoundException($"Bronze file '{key}' does not exist (compaction may have merged it into a newer file).", key);
        await using var scope = stream.ConfigureAwait(false);
        await foreach (var rowGroup in BronzeParquet.ReadEventsAsync(stream, cancellationToken).ConfigureAwait(false))
        {
            foreach (var row in rowGroup)
            {
                yield return row;
            }
        }
    }

    /// <summary>Reads the key-value metadata of a file (such as <c>affiliate.compacted_from</c>).</summary>
    /// <param name="key">The file's key.</param>
    /// <param name="cancellationToken">Stops the read.</param>
    /// <returns>The metadata.</returns>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    public async ValueTask<IReadOnlyDictionary<string, string>> ReadMetadataAsync(string key, CancellationToken cancellationToken)
    {
        var stream = await OpenAsync(key, cancellationToken).ConfigureAwait(false)
            ?? throw new FileNotFoundException($"Bronze file '{key}' does not exist.", key);
        await using var scope = stream.ConfigureAwait(false);
        return await BronzeParquet.ReadMetadataAsync(stream, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the keys a compacted file was merged from (empty for a file the writer produced).</summary>
    /// <param name="key">The file's key.</param>
    /// <param name="cancellationToken">Stops the read.</param>
    /// <returns>The source keys.</returns>
    public async ValueTask<IReadOnlyList<string>> ReadCompactedFromAsync(string key, CancellationToken cancellationToken)
    {
        var metadata = await ReadMetadataAsync(key, cancellationToken).ConfigureAwait(false);
        return ParseCompactedFrom(metadata);
    }

    /// <summary>Reads every bronze event row, tolerating compaction that runs meanwhile.</summary>
    /// <param name="cancellationToken">Stops the read.</param>
    /// <returns>The rows; every committed row at least once.</returns>
    public async IAsyncEnumerable<BronzeRecord> ReadEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var read = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Queue<string>(await ListHoldersAsync(BronzeLayout.EventsPrefix, cancellationToken).ConfigureAwait(false));

        while (pending.TryDequeue(out var key))
        {
            if (!read.Add(key))
            {
                continue;
            }

            var stream = await OpenAsync(key, cancellationToken).ConfigureAwait(false);
            if (stream is null)
            {
                // Merged away after the listing: its rows are in a file committed before the delete; list the partition again.
                foreach (var holder in await ListHoldersAsync(BronzeLayout.PartitionOf(key), cancellationToken).ConfigureAwait(false))
                {
                    if (!read.Contains(holder))
                    {
                        pending.Enqueue(holder);
                    }
                }

                continue;
            }

            await using var scope = stream.ConfigureAwait(false);
            await foreach (var rowGroup in BronzeParquet.ReadEventsAsync(stream, cancellationToken).ConfigureAwait(false))
            {
                foreach (var row in rowGroup)
                {
                    yield return row;
                }
            }
        }
    }

    /// <summary>Reads every reject row.</summary>
    /// <param name="cancellationToken">Stops the read.</param>
    /// <returns>The rejects with their reason and original bytes.</returns>
    public async IAsyncEnumerable<RejectedRecord> ReadRejectsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var item in ListRejectFilesAsync(cancellationToken).ConfigureAwait(false))
        {
            var stream = await OpenAsync(item.Key, cancellationToken).ConfigureAwait(false);
            if (stream is null)
            {
                continue;
            }

            await using var scope = stream.ConfigureAwait(false);
            foreach (var row in await BronzeParquet.ReadRejectsAsync(stream, cancellationToken).ConfigureAwait(false))
            {
                yield return row;
            }
        }
    }

    internal static IReadOnlyList<string> ParseCompactedFrom(IReadOnlyDictionary<string, string> metadata) =>
        metadata.TryGetValue(BronzeSchema.CompactedFromKey, out var value) && value.Length > 0
            ? value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : [];

    /// <summary>
    /// The event files under a prefix that together hold every row committed before the call: the files listed plus the
    /// files merged meanwhile. A listing is not a snapshot, so compaction committing a merged file and deleting its sources
    /// while it runs can hide both; the compactor journals the merged file before deleting, and the journal read before
    /// and after the listing names it (<see cref="CompactionJournal.MergedSince"/>).
    /// </summary>
    private async ValueTask<List<string>> ListHoldersAsync(string prefix, CancellationToken cancellationToken)
    {
        while (true)
        {
            var before = await CompactionJournal.ReadAsync(_store, cancellationToken).ConfigureAwait(false);
            var keys = new SortedSet<string>(StringComparer.Ordinal);
            await foreach (var item in ListDataFilesAsync(prefix, cancellationToken).ConfigureAwait(false))
            {
                keys.Add(item.Key);
            }

            var after = await CompactionJournal.ReadAsync(_store, cancellationToken).ConfigureAwait(false);
            if (after.MergedSince(before.Sequence, prefix) is { } merged)
            {
                keys.UnionWith(merged);
                return [.. keys];
            }

            // More merges during the listing than the journal keeps (or it was replaced): list again.
        }
    }

    private async IAsyncEnumerable<BlobItem> ListDataFilesAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var item in _store.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            if (BronzeLayout.IsDataFile(item.Key))
            {
                yield return item;
            }
        }
    }

    /// <summary>Opens a file as a seekable stream (Parquet reads its footer first), or <see langword="null"/> when it is gone.</summary>
    private async ValueTask<Stream?> OpenAsync(string key, CancellationToken cancellationToken)
    {
        var stream = await _store.OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
        if (stream is null || stream.CanSeek)
        {
            return stream;
        }

        await using (stream.ConfigureAwait(false))
        {
            var copy = new MemoryStream();
            await stream.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
            copy.Position = 0;
            return copy;
        }
    }
}
