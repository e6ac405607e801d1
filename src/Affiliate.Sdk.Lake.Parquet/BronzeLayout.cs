using System.Globalization;
using System.Security.Cryptography;
using Affiliate.Sdk.Events;

namespace Affiliate.Sdk.Lake.Parquet;

/// <summary>
/// Where bronze files live: <c>bronze/events/kind={kind}/dt=YYYY-MM-DD/hour=HH/part-….parquet</c> (partitioned by
/// <c>occurred_at</c> in UTC) and <c>bronze/rejects/dt=YYYY-MM-DD/part-….parquet</c> (by <c>landed_at</c>).
/// </summary>
internal static class BronzeLayout
{
    public const string EventsPrefix = "bronze/events/";
    public const string RejectsPrefix = "bronze/rejects/";
    public const string FileExtension = ".parquet";

    /// <summary>The partition folder (ending in '/') of an event.</summary>
    public static string EventPartition(EventKind kind, DateTimeOffset occurredAt)
    {
        var utc = occurredAt.UtcDateTime;
        return string.Create(CultureInfo.InvariantCulture, $"{EventsPrefix}kind={BronzeParquet.KindName(kind)}/dt={utc:yyyy-MM-dd}/hour={utc:HH}/");
    }

    /// <summary>The partition folder (ending in '/') of rejects landed at a time.</summary>
    public static string RejectPartition(DateTimeOffset landedAt) =>
        string.Create(CultureInfo.InvariantCulture, $"{RejectsPrefix}dt={landedAt.UtcDateTime:yyyy-MM-dd}/");

    /// <summary>A new file name: <c>part-{UTC yyyyMMddTHHmmssfff}-{8 hex}.parquet</c>, ordered by time within a partition.</summary>
    public static string NewFileName(DateTimeOffset now)
    {
        Span<byte> random = stackalloc byte[4];
        RandomNumberGenerator.Fill(random);
        return string.Create(CultureInfo.InvariantCulture, $"part-{now.UtcDateTime:yyyyMMdd'T'HHmmssfff}-{Convert.ToHexStringLower(random)}{FileExtension}");
    }

    /// <summary>The partition folder of a file key (everything up to and including the last '/').</summary>
    public static string PartitionOf(string key) => key[..(key.LastIndexOf('/') + 1)];

    public static bool IsDataFile(string key) => key.EndsWith(FileExtension, StringComparison.Ordinal);
}
