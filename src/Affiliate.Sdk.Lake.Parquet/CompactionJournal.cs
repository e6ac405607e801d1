using System.Text.Json;
using System.Text.Json.Serialization;
using Affiliate.Sdk.Pipeline;

namespace Affiliate.Sdk.Lake.Parquet;

/// <summary>
/// The compaction journal, <c>bronze/_compactions.json</c>: the newest merged files, numbered. A listing is not a snapshot
/// (S3 lists page by page; a directory is read in batches and each entry is then looked up), so a listing that runs while
/// compaction commits a merged file and deletes its sources can miss both. The compactor therefore records each merged
/// file here after committing it and before deleting a source; <see cref="BronzeReader"/> reads the journal before and
/// after listing and adds the files merged in between (see <see cref="MergedSince"/> for why that is enough).
/// </summary>
internal sealed class CompactionJournal
{
    /// <summary>The journal's key (outside <c>bronze/events/</c>, so engines reading <c>*.parquet</c> there never see it).</summary>
    public const string Key = "bronze/_compactions.json";

    /// <summary>Merges kept. A reader whose listing overlaps more merges than this lists again.</summary>
    public const int Capacity = 512;

    /// <summary>The format version.</summary>
    public int Version { get; set; } = 1;

    /// <summary>The number of the newest merge (0: none yet).</summary>
    public long Sequence { get; set; }

    /// <summary>The newest merges, oldest first, numbered consecutively up to <see cref="Sequence"/>.</summary>
    public List<CompactionJournalEntry> Merges { get; set; } = [];

    /// <summary>
    /// The files under a prefix merged by merge number <paramref name="since"/> and later (<paramref name="since"/> being
    /// the journal's <see cref="Sequence"/> read before a listing, this one read after it); <see langword="null"/> when the
    /// journal no longer reaches back that far, and the listing must be repeated.
    /// </summary>
    /// <remarks>
    /// Why merge <paramref name="since"/> itself: the compactor finishes a merge's deletes before it records the next merge,
    /// so when the first read saw <paramref name="since"/>, only that merge could still be deleting sources. A row the
    /// listing missed was in a file deleted during the listing, by a merge recorded before that delete: either the merge
    /// numbered <paramref name="since"/> or a later one, whose file holds the row.
    /// </remarks>
    public IReadOnlyList<string>? MergedSince(long since, string prefix)
    {
        if (Sequence < since)
        {
            return null; // Replaced (deleted and begun again) in between.
        }

        var first = Math.Max(since, 1);
        if (Sequence < first)
        {
            return [];
        }

        if (Merges.Count == 0 || Merges[0].Sequence > first)
        {
            return null;
        }

        return Merges.Where(m => m.Sequence >= first && m.File.StartsWith(prefix, StringComparison.Ordinal)).Select(m => m.File).ToList();
    }

    /// <summary>Reads the journal; an empty one when there is none yet.</summary>
    /// <exception cref="AffiliateSdkException">The journal is not valid.</exception>
    public static async ValueTask<CompactionJournal> ReadAsync(IBlobStore store, CancellationToken cancellationToken)
    {
        var stream = await store.OpenReadAsync(Key, cancellationToken).ConfigureAwait(false);
        if (stream is null)
        {
            return new CompactionJournal();
        }

        await using (stream.ConfigureAwait(false))
        {
            CompactionJournal? journal;
            try
            {
                journal = await JsonSerializer.DeserializeAsync(stream, CompactionJournalJsonContext.Default.CompactionJournal, cancellationToken).ConfigureAwait(false);
            }
            catch (JsonException ex)
            {
                throw Invalid($"is not valid JSON ({ex.Message})", ex);
            }

            if (journal is null || journal.Sequence < 0 || journal.Merges.Count > journal.Sequence)
            {
                throw Invalid("is empty or its sequence is out of range", null);
            }

            for (var i = 0; i < journal.Merges.Count; i++)
            {
                var entry = journal.Merges[i];
                if (entry.Sequence != journal.Sequence - journal.Merges.Count + 1 + i
                    || entry.File is null
                    || !entry.File.StartsWith(BronzeLayout.EventsPrefix, StringComparison.Ordinal)
                    || !BronzeLayout.IsDataFile(entry.File))
                {
                    throw Invalid($"has an invalid merge at position {i}", null);
                }
            }

            return journal;
        }
    }

    /// <summary>Records a committed merged file as the next merge. Only one compactor may write at a time.</summary>
    public static async ValueTask AppendAsync(IBlobStore store, string mergedFile, CancellationToken cancellationToken)
    {
        var journal = await ReadAsync(store, cancellationToken).ConfigureAwait(false);
        journal.Sequence++;
        journal.Merges.Add(new CompactionJournalEntry { Sequence = journal.Sequence, File = mergedFile });
        if (journal.Merges.Count > Capacity)
        {
            journal.Merges.RemoveRange(0, journal.Merges.Count - Capacity);
        }

        var upload = await store.StartUploadAsync(Key, cancellationToken).ConfigureAwait(false);
        await using (upload.ConfigureAwait(false))
        {
            await JsonSerializer.SerializeAsync(upload.Content, journal, CompactionJournalJsonContext.Default.CompactionJournal, cancellationToken).ConfigureAwait(false);
            await upload.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static AffiliateSdkException Invalid(string problem, Exception? inner) =>
        new($"The compaction journal '{Key}' {problem}; delete it (the next compaction starts a new one).", isRetryable: false, inner);
}

/// <summary>One merge in the <see cref="CompactionJournal"/>.</summary>
internal sealed class CompactionJournalEntry
{
    /// <summary>The merge's number.</summary>
    public long Sequence { get; set; }

    /// <summary>The merged file's key.</summary>
    public string File { get; set; } = "";
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(CompactionJournal))]
internal sealed partial class CompactionJournalJsonContext : JsonSerializerContext;
