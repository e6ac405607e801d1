using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;
using Affiliate.Sdk.Pipeline;

namespace Affiliate.Sdk.Lake.Parquet.Medallion;

/// <summary>One silver traffic survivor as the dedup index holds it: its id and the times that rank it among duplicates.</summary>
internal readonly record struct EventIndexEntry(Guid EventId, long OccurredTicks, long ReceivedTicks);

/// <summary>
/// The in-process engine's dedup index: for every silver traffic partition (clicks or impressions of one UTC date) a
/// file of its survivors' event ids sorted by id, 32 bytes an entry (<c>{state}event-index/{table}/dt=YYYY-MM-DD.bin</c>).
/// A k-way merge of the files within the dedup horizon finds an id held by two partitions in one sequential pass, with
/// memory for one buffer per file, whatever the number of events.
/// </summary>
internal static class EventIndex
{
    public const int EntrySize = 32;
    private const int BufferEntries = 2048;
    private static readonly byte[] Magic = "AFEIDX01"u8.ToArray();

    public static string Folder(string statePrefix) => statePrefix + "event-index/";

    public static string Key(string statePrefix, string table, DateOnly date) =>
        string.Create(CultureInfo.InvariantCulture, $"{Folder(statePrefix)}{table}/dt={date:yyyy-MM-dd}.bin");

    /// <summary>Reads <c>{table}/dt=YYYY-MM-DD.bin</c> back from a key under <see cref="Folder"/>.</summary>
    public static bool TryParseKey(string statePrefix, string key, out string table, out DateOnly date)
    {
        table = string.Empty;
        date = default;
        var folder = Folder(statePrefix);
        if (!key.StartsWith(folder, StringComparison.Ordinal) || !key.EndsWith(".bin", StringComparison.Ordinal))
        {
            return false;
        }

        var rest = key.AsSpan(folder.Length, key.Length - folder.Length - 4);
        var slash = rest.IndexOf('/');
        if (slash <= 0 || !rest[(slash + 1)..].StartsWith("dt=", StringComparison.Ordinal))
        {
            return false;
        }

        table = rest[..slash].ToString();
        return DateOnly.TryParseExact(rest[(slash + 4)..], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);
    }

    /// <summary>Writes entries already sorted by event id.</summary>
    public static async Task WriteAsync(Stream destination, IEnumerable<EventIndexEntry> sorted, CancellationToken cancellationToken)
    {
        var buffer = new byte[BufferEntries * EntrySize];
        Magic.CopyTo(buffer, 0);
        var used = Magic.Length;
        foreach (var entry in sorted)
        {
            if (used + EntrySize > buffer.Length)
            {
                await destination.WriteAsync(buffer.AsMemory(0, used), cancellationToken).ConfigureAwait(false);
                used = 0;
            }

            var span = buffer.AsSpan(used, EntrySize);
            entry.EventId.TryWriteBytes(span[..16], bigEndian: true, out _);
            BinaryPrimitives.WriteInt64LittleEndian(span[16..], entry.OccurredTicks);
            BinaryPrimitives.WriteInt64LittleEndian(span[24..], entry.ReceivedTicks);
            used += EntrySize;
        }

        await destination.WriteAsync(buffer.AsMemory(0, used), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Streams a file's entries in id order.</summary>
    public static async IAsyncEnumerable<EventIndexEntry> ReadAsync(IBlobStore store, string key, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var stream = await store.OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
        if (stream is null)
        {
            yield break;
        }

        await using var scope = stream.ConfigureAwait(false);
        var header = new byte[Magic.Length];
        var got = await stream.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (got != header.Length || !header.AsSpan().SequenceEqual(Magic))
        {
            throw new AffiliateSdkException(
                $"Medallion dedup index '{key}' is not an index file; delete it and the engine rebuilds it from silver.", isRetryable: false);
        }

        var buffer = new byte[BufferEntries * EntrySize];
        while (true)
        {
            var n = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (n % EntrySize != 0)
            {
                throw new AffiliateSdkException(
                    $"Medallion dedup index '{key}' is truncated; delete it and the engine rebuilds it from silver.", isRetryable: false);
            }

            for (var offset = 0; offset < n; offset += EntrySize)
            {
                yield return Decode(buffer.AsSpan(offset, EntrySize));
            }

            if (n < buffer.Length)
            {
                yield break;
            }
        }
    }

    private static EventIndexEntry Decode(ReadOnlySpan<byte> span) =>
        new(new Guid(span[..16], bigEndian: true), BinaryPrimitives.ReadInt64LittleEndian(span[16..]), BinaryPrimitives.ReadInt64LittleEndian(span[24..]));

    /// <summary>
    /// Merges sorted sources by event id and reports every id held by more than one of them, with each holder.
    /// Memory: one entry and one read buffer per source.
    /// </summary>
    public static async IAsyncEnumerable<List<(int Source, EventIndexEntry Entry)>> FindSharedAsync(
        IReadOnlyList<IAsyncEnumerable<EventIndexEntry>> sources, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var cursors = new IAsyncEnumerator<EventIndexEntry>[sources.Count];
        var queue = new PriorityQueue<int, Guid>(sources.Count);
        try
        {
            for (var i = 0; i < sources.Count; i++)
            {
                cursors[i] = sources[i].GetAsyncEnumerator(cancellationToken);
                if (await cursors[i].MoveNextAsync().ConfigureAwait(false))
                {
                    queue.Enqueue(i, cursors[i].Current.EventId);
                }
            }

            var group = new List<(int, EventIndexEntry)>();
            while (queue.TryDequeue(out var source, out var id))
            {
                group.Clear();
                group.Add((source, cursors[source].Current));
                await AdvanceAsync(source).ConfigureAwait(false);
                while (queue.TryPeek(out var next, out var nextId) && nextId == id)
                {
                    queue.Dequeue();
                    group.Add((next, cursors[next].Current));
                    await AdvanceAsync(next).ConfigureAwait(false);
                }

                if (group.Count > 1)
                {
                    yield return [.. group];
                }
            }
        }
        finally
        {
            foreach (var cursor in cursors)
            {
                if (cursor is not null)
                {
                    await cursor.DisposeAsync().ConfigureAwait(false);
                }
            }
        }

        async ValueTask AdvanceAsync(int i)
        {
            var before = cursors[i].Current.EventId;
            if (await cursors[i].MoveNextAsync().ConfigureAwait(false))
            {
                if (cursors[i].Current.EventId.CompareTo(before) <= 0)
                {
                    throw new AffiliateSdkException("Medallion dedup index is not sorted by event id; delete the event-index folder and the engine rebuilds it.", isRetryable: false);
                }

                queue.Enqueue(i, cursors[i].Current.EventId);
            }
        }
    }
}
