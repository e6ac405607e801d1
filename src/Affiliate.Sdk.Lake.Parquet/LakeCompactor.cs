using Affiliate.Sdk.Pipeline;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Affiliate.Sdk.Lake.Parquet;

/// <summary>What a compaction did.</summary>
/// <param name="FilesMerged">Small files merged (and then deleted).</param>
/// <param name="FilesWritten">Merged files committed.</param>
/// <param name="Rows">Rows copied into merged files.</param>
public sealed record CompactionResult(int FilesMerged, int FilesWritten, long Rows);

/// <summary>
/// Merges small bronze files within a partition into larger ones, safely while readers run: the merged file is
/// committed first (listing the keys it replaces in its <c>affiliate.compacted_from</c> metadata) and recorded in the
/// compaction journal (<c>bronze/_compactions.json</c>), and only then are the sources deleted. A reader may therefore see
/// a row twice (once in a source, once merged) but never miss one. Run one compactor per lake at a time.
/// </summary>
public sealed partial class LakeCompactor
{
    private readonly IBlobStore _store;
    private readonly ParquetLakeOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Creates a compactor.</summary>
    /// <param name="store">The lake's store.</param>
    /// <param name="options">Small-file threshold, target file size and row group size.</param>
    /// <param name="timeProvider">The clock for file names; the system clock when <see langword="null"/>.</param>
    /// <param name="logger">Logs merges.</param>
    public LakeCompactor(IBlobStore store, ParquetLakeOptions options, TimeProvider? timeProvider = null, ILogger<LakeCompactor>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Compacts every bronze event partition that has two or more small files.</summary>
    /// <param name="cancellationToken">Stops between steps; a merged file is either committed whole or not at all.</param>
    /// <returns>What was merged.</returns>
    public async ValueTask<CompactionResult> CompactAsync(CancellationToken cancellationToken)
    {
        var partitions = new SortedSet<string>(StringComparer.Ordinal);
        await foreach (var item in _store.ListAsync(BronzeLayout.EventsPrefix, cancellationToken).ConfigureAwait(false))
        {
            if (BronzeLayout.IsDataFile(item.Key))
            {
                partitions.Add(BronzeLayout.PartitionOf(item.Key));
            }
        }

        var total = new CompactionResult(0, 0, 0);
        foreach (var partition in partitions)
        {
            var r = await CompactPartitionAsync(partition, cancellationToken).ConfigureAwait(false);
            total = new CompactionResult(total.FilesMerged + r.FilesMerged, total.FilesWritten + r.FilesWritten, total.Rows + r.Rows);
        }

        return total;
    }

    /// <summary>Compacts one partition, such as <c>bronze/events/kind=click/dt=2026-11-25/hour=09/</c>.</summary>
    /// <param name="partition">The partition folder, ending in '/'.</param>
    /// <param name="cancellationToken">Stops between steps; a merged file is either committed whole or not at all.</param>
    /// <returns>What was merged.</returns>
    /// <exception cref="ArgumentException">The partition is not a bronze events folder.</exception>
    public async ValueTask<CompactionResult> CompactPartitionAsync(string partition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(partition);
        if (!partition.StartsWith(BronzeLayout.EventsPrefix, StringComparison.Ordinal) || !partition.EndsWith('/'))
        {
            throw new ArgumentException($"'{partition}' is not a bronze events partition folder ('{BronzeLayout.EventsPrefix}…/', ending in '/').", nameof(partition));
        }

        var small = new List<BlobItem>();
        await foreach (var item in _store.ListAsync(partition, cancellationToken).ConfigureAwait(false))
        {
            if (BronzeLayout.IsDataFile(item.Key) && BronzeLayout.PartitionOf(item.Key) == partition && item.Size < _options.CompactionSmallFileBytes)
            {
                small.Add(item);
            }
        }

        var result = new CompactionResult(0, 0, 0);
        foreach (var group in Group(small))
        {
            var rows = await MergeAsync(partition, group, cancellationToken).ConfigureAwait(false);
            if (rows is null)
            {
                continue;
            }

            result = new CompactionResult(result.FilesMerged + group.Count, result.FilesWritten + 1, result.Rows + rows.Value);
        }

        return result;
    }

    /// <summary>Groups small files (in key order) so that each merged file stays near the target size.</summary>
    private List<List<BlobItem>> Group(List<BlobItem> small)
    {
        var groups = new List<List<BlobItem>>();
        var current = new List<BlobItem>();
        long size = 0;
        foreach (var item in small)
        {
            if (current.Count > 0 && size + item.Size > _options.TargetFileBytes)
            {
                groups.Add(current);
                current = [];
                size = 0;
            }

            current.Add(item);
            size += item.Size;
        }

        groups.Add(current);
        return groups.Where(g => g.Count >= 2).ToList();
    }

    /// <summary>Writes and commits the merged file, then deletes the sources; <see langword="null"/> when a source vanished first.</summary>
    private async Task<long?> MergeAsync(string partition, List<BlobItem> sources, CancellationToken cancellationToken)
    {
        // Sources of sources too, so an engine that processed the originals recognises the rows whatever it saw.
        var compactedFrom = new SortedSet<string>(StringComparer.Ordinal);
        var key = partition + BronzeLayout.NewFileName(_time.GetUtcNow());
        var streams = new List<Stream>();
        try
        {
            foreach (var source in sources)
            {
                var stream = await OpenSeekableAsync(source.Key, cancellationToken).ConfigureAwait(false);
                if (stream is null)
                {
                    LogSourceVanished(_logger, source.Key);
                    return null;
                }

                streams.Add(stream);
                compactedFrom.Add(source.Key);
                foreach (var earlier in BronzeReader.ParseCompactedFrom(await BronzeParquet.ReadMetadataAsync(stream, cancellationToken).ConfigureAwait(false)))
                {
                    compactedFrom.Add(earlier);
                }

                stream.Position = 0;
            }

            long rows = 0;
            var upload = await _store.StartUploadAsync(key, cancellationToken).ConfigureAwait(false);
            await using (upload.ConfigureAwait(false))
            {
                var metadata = new Dictionary<string, string>(StringComparer.Ordinal) { [BronzeSchema.CompactedFromKey] = string.Join(',', compactedFrom) };
                using var buffer = new MemoryStream();
                var target = upload.Content is { CanSeek: true, CanRead: true } ? upload.Content : buffer;
                var file = await BronzeParquet.EventFileWriter.CreateAsync(target, metadata, cancellationToken).ConfigureAwait(false);
                await using (file.ConfigureAwait(false))
                {
                    var pending = new List<BronzeRecord>(_options.RowGroupRows);
                    foreach (var stream in streams)
                    {
                        await foreach (var rowGroup in BronzeParquet.ReadEventsAsync(stream, cancellationToken).ConfigureAwait(false))
                        {
                            foreach (var row in rowGroup)
                            {
                                pending.Add(row);
                                if (pending.Count == _options.RowGroupRows)
                                {
                                    await file.WriteRowGroupAsync(pending, 0, pending.Count, cancellationToken).ConfigureAwait(false);
                                    pending.Clear();
                                }
                            }
                        }
                    }

                    if (pending.Count > 0)
                    {
                        await file.WriteRowGroupAsync(pending, 0, pending.Count, cancellationToken).ConfigureAwait(false);
                    }

                    rows = file.Rows;
                }

                if (!ReferenceEquals(target, upload.Content))
                {
                    buffer.Position = 0;
                    await buffer.CopyToAsync(upload.Content, cancellationToken).ConfigureAwait(false);
                }

                await upload.CommitAsync(cancellationToken).ConfigureAwait(false);
            }

            // Committed: the rows are visible in the merged file, so the sources may go once the merge is in the journal
            // (a reader listing right now may miss both the sources and the merged file; the journal names the latter).
            // Not cancellable from here on, which would only leave duplicates behind, but finishing is cheap.
            await CompactionJournal.AppendAsync(_store, key, CancellationToken.None).ConfigureAwait(false);
            foreach (var source in sources)
            {
                await _store.DeleteAsync(source.Key, CancellationToken.None).ConfigureAwait(false);
            }

            LogMerged(_logger, sources.Count, key, rows);
            return rows;
        }
        finally
        {
            foreach (var stream in streams)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task<Stream?> OpenSeekableAsync(string key, CancellationToken cancellationToken)
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

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Compacted {Count} files into {Key} ({Rows} rows)")]
    private static partial void LogMerged(ILogger logger, int count, string key, long rows);

    [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "Skipped a merge: {Key} vanished (another compactor?)")]
    private static partial void LogSourceVanished(ILogger logger, string key);
}
