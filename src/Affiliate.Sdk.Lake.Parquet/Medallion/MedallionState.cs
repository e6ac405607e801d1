using System.Text.Json;
using System.Text.Json.Serialization;
using Affiliate.Sdk.Pipeline;

namespace Affiliate.Sdk.Lake.Parquet.Medallion;

/// <summary>The durable manifest: which bronze files are in silver and gold. Replaced atomically as a run's last write.</summary>
internal sealed class MedallionManifest
{
    public int Version { get; set; } = 1;

    /// <summary>Bronze event file keys whose rows are in silver (or that a processed compaction covered).</summary>
    public List<string> Processed { get; set; } = [];

    /// <summary>The newest occurred_at of any event processed.</summary>
    public DateTimeOffset? Freshness { get; set; }

    /// <summary>Successful runs that changed something.</summary>
    public long Runs { get; set; }
}

/// <summary>
/// What a run is about to rewrite, written before its first silver or gold write and removed after the manifest commit.
/// A run that finds one left by a crashed run rewrites those partitions too, so half-applied changes always finish.
/// </summary>
internal sealed class MedallionPending
{
    /// <summary>Silver traffic partitions, <c>kind/yyyy-MM-dd</c> (kind = clicks or impressions).</summary>
    public SortedSet<string> Traffic { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Silver conversion dates, <c>yyyy-MM-dd</c>.</summary>
    public SortedSet<string> Conversions { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Gold dates, <c>yyyy-MM-dd</c> (hourly and daily are rewritten together).</summary>
    public SortedSet<string> Gold { get; set; } = new(StringComparer.Ordinal);

    public bool IsEmpty => Traffic.Count == 0 && Conversions.Count == 0 && Gold.Count == 0;

    public void UnionWith(MedallionPending other)
    {
        Traffic.UnionWith(other.Traffic);
        Conversions.UnionWith(other.Conversions);
        Gold.UnionWith(other.Gold);
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(MedallionManifest))]
[JsonSerializable(typeof(MedallionPending))]
internal sealed partial class MedallionStateJsonContext : JsonSerializerContext;

/// <summary>Reads and atomically replaces the engine's JSON state files.</summary>
internal static class MedallionStateStore
{
    public static async ValueTask<T?> ReadAsync<T>(IBlobStore store, string key, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, CancellationToken cancellationToken)
        where T : class
    {
        var stream = await store.OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
        if (stream is null)
        {
            return null;
        }

        await using (stream.ConfigureAwait(false))
        {
            try
            {
                return await JsonSerializer.DeserializeAsync(stream, type, cancellationToken).ConfigureAwait(false)
                    ?? throw new InvalidDataException($"Medallion state '{key}' is empty.");
            }
            catch (JsonException ex)
            {
                throw new AffiliateSdkException(
                    $"Medallion state '{key}' is not valid JSON ({ex.Message}); restore it or delete the state folder and silver/gold to rebuild from bronze.",
                    isRetryable: false,
                    ex);
            }
        }
    }

    public static async ValueTask WriteAsync<T>(IBlobStore store, string key, T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        var upload = await store.StartUploadAsync(key, cancellationToken).ConfigureAwait(false);
        await using (upload.ConfigureAwait(false))
        {
            await JsonSerializer.SerializeAsync(upload.Content, value, type, cancellationToken).ConfigureAwait(false);
            await upload.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
