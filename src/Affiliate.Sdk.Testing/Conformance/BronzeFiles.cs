using System.Globalization;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.Lake.Parquet;
using Affiliate.Sdk.Pipeline;

namespace Affiliate.Sdk.Testing;

/// <summary>Lands events in a lake's bronze through the real <see cref="ParquetLakeWriter"/>, as the stream-to-lake worker does.</summary>
public static class BronzeFiles
{
    /// <summary>Appends events to bronze and commits them: one flush, so one file per partition touched.</summary>
    /// <param name="store">The lake's store.</param>
    /// <param name="events">The events, duplicates allowed.</param>
    /// <param name="cancellationToken">Stops the write; nothing partial becomes visible.</param>
    /// <returns>The keys of the committed files.</returns>
    public static Task<IReadOnlyList<string>> WriteAsync(IBlobStore store, IEnumerable<TrackingEvent> events, CancellationToken cancellationToken) =>
        WriteAsync(store, events, TimeProvider.System, cancellationToken);

    /// <summary>
    /// Appends events to bronze and commits them as if landed at <paramref name="landedAt"/> (the files' names and the
    /// rows' landing time): deterministic flushes for differential tests.
    /// </summary>
    /// <param name="store">The lake's store.</param>
    /// <param name="events">The events, duplicates allowed.</param>
    /// <param name="landedAt">The landing time of this flush; give each flush a later one.</param>
    /// <param name="cancellationToken">Stops the write; nothing partial becomes visible.</param>
    /// <returns>The keys of the committed files.</returns>
    public static Task<IReadOnlyList<string>> WriteAsync(IBlobStore store, IEnumerable<TrackingEvent> events, DateTimeOffset landedAt, CancellationToken cancellationToken) =>
        WriteAsync(store, events, new FixedClock(landedAt), cancellationToken);

    private static async Task<IReadOnlyList<string>> WriteAsync(IBlobStore store, IEnumerable<TrackingEvent> events, TimeProvider clock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(events);
        var writer = new ParquetLakeWriter(store, new ParquetLakeOptions(), clock);
        await using (writer.ConfigureAwait(false))
        {
            var landedAt = clock.GetUtcNow();
            var records = events
                .Select((e, i) => new BronzeRecord(e, new IngestionInfo("conformance", "0", i.ToString(CultureInfo.InvariantCulture), landedAt)))
                .ToList();
            await writer.AppendAsync(records, [], cancellationToken).ConfigureAwait(false);
            return (await writer.FlushAsync(cancellationToken).ConfigureAwait(false)).Files;
        }
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
