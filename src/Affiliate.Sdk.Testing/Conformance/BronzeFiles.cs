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
    public static async Task<IReadOnlyList<string>> WriteAsync(IBlobStore store, IEnumerable<TrackingEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(events);
        var writer = new ParquetLakeWriter(store, new ParquetLakeOptions());
        await using (writer.ConfigureAwait(false))
        {
            var landedAt = DateTimeOffset.UtcNow;
            var records = events
                .Select((e, i) => new BronzeRecord(e, new IngestionInfo("conformance", "0", i.ToString(CultureInfo.InvariantCulture), landedAt)))
                .ToList();
            await writer.AppendAsync(records, [], cancellationToken).ConfigureAwait(false);
            return (await writer.FlushAsync(cancellationToken).ConfigureAwait(false)).Files;
        }
    }
}
