using System.Globalization;
using Affiliate.Sdk.Medallion;
using Affiliate.Sdk.Pipeline;
using Parquet;
using Parquet.Schema;

namespace Affiliate.Sdk.Lake.Parquet.Medallion;

/// <summary>
/// The gold Parquet contract shared by every engine and report client: <c>gold/hourly/dt=YYYY-MM-DD/part-*.parquet</c> and
/// <c>gold/daily/dt=YYYY-MM-DD/part-*.parquet</c>, one row per period and dimensions (columns in docs/in-process-engine.md).
/// </summary>
public static class GoldParquet
{
    /// <summary>Key-value metadata naming the schema of a gold file.</summary>
    internal const string SchemaKey = "affiliate.schema";

    internal static readonly DateTimeDataField Period = new("period", DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros, isNullable: false);
    internal static readonly DataField<string> AffiliateId = new("affiliate_id", true);
    internal static readonly DataField<string> OfferId = new("offer_id", true);
    internal static readonly DataField<string> CampaignId = new("campaign_id", true);
    internal static readonly DataField<string> Sub1 = new("sub1", true);
    internal static readonly DataField<string> Sub2 = new("sub2", true);
    internal static readonly DataField<string> Sub3 = new("sub3", true);
    internal static readonly DataField<string> Sub4 = new("sub4", true);
    internal static readonly DataField<string> Sub5 = new("sub5", true);
    internal static readonly DataField<string> Country = new("country", true);
    internal static readonly DataField<long> Impressions = new("impressions", false);
    internal static readonly DataField<long> Clicks = new("clicks", false);
    internal static readonly DataField<long> UniqueClicks = new("unique_clicks", false);
    internal static readonly DataField<long> BotClicks = new("bot_clicks", false);
    internal static readonly DataField<long> Conversions = new("conversions", false);
    internal static readonly DataField<long> PendingConversions = new("pending_conversions", false);
    internal static readonly DataField<long> RejectedConversions = new("rejected_conversions", false);
    internal static readonly DecimalDataField Revenue = Money("revenue");
    internal static readonly DecimalDataField Payout = Money("payout");

    internal static readonly ParquetSchema Schema = new(
        Period, AffiliateId, OfferId, CampaignId, Sub1, Sub2, Sub3, Sub4, Sub5, Country,
        Impressions, Clicks, UniqueClicks, BotClicks, Conversions, PendingConversions, RejectedConversions, Revenue, Payout);

    /// <summary>Reads a whole gold table back (every date partition), summing rows that share a key.</summary>
    /// <param name="store">The lake.</param>
    /// <param name="grain">Hourly or daily gold.</param>
    /// <param name="cancellationToken">Stops the read.</param>
    /// <returns>The gold rows by key.</returns>
    public static async Task<IReadOnlyDictionary<GoldKey, GoldMetrics>> ReadAsync(IBlobStore store, GoldGrain grain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var result = new Dictionary<GoldKey, GoldMetrics>();
        await foreach (var item in store.ListAsync(TablePrefix(grain), cancellationToken).ConfigureAwait(false))
        {
            if (!BronzeLayout.IsDataFile(item.Key))
            {
                continue;
            }

            var stream = await store.OpenReadAsync(item.Key, cancellationToken).ConfigureAwait(false);
            if (stream is null)
            {
                continue; // Replaced by a newer file of the same partition meanwhile.
            }

            await using (stream.ConfigureAwait(false))
            {
                // Parquet reads the footer first: stores with forward-only reads (S3) get a buffered copy.
                using var copy = stream.CanSeek ? null : new MemoryStream();
                if (copy is not null)
                {
                    await stream.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
                    copy.Position = 0;
                }

                foreach (var (key, metrics) in await ReadFileAsync(copy ?? stream, cancellationToken).ConfigureAwait(false))
                {
                    result[key] = result.TryGetValue(key, out var current) ? current.Add(metrics) : metrics;
                }
            }
        }

        return result;
    }

    /// <summary>The folder of a gold table, e.g. <c>gold/daily/</c>.</summary>
    internal static string TablePrefix(GoldGrain grain) => grain == GoldGrain.Hour ? "gold/hourly/" : "gold/daily/";

    /// <summary>The folder of one date partition, e.g. <c>gold/daily/dt=2026-11-25/</c>.</summary>
    internal static string PartitionPrefix(GoldGrain grain, DateOnly date) =>
        string.Create(CultureInfo.InvariantCulture, $"{TablePrefix(grain)}dt={date:yyyy-MM-dd}/");

    internal static async Task WriteAsync(Stream destination, IReadOnlyList<KeyValuePair<GoldKey, GoldMetrics>> rows, int rowGroupRows, string schemaName, CancellationToken cancellationToken)
    {
        var bounds = new List<IReadOnlyDictionary<string, (long Min, long Max)>>();
        var writer = await ParquetWriter.CreateAsync(Schema, destination, new ParquetOptions { CompressionMethod = CompressionMethod.Snappy }, false, cancellationToken).ConfigureAwait(false);
        await using (writer.ConfigureAwait(false))
        {
            writer.CustomMetadata = new Dictionary<string, string> { [SchemaKey] = schemaName };
            for (var start = 0; start < rows.Count || start == 0; start += rowGroupRows)
            {
                var n = Math.Min(rowGroupRows, rows.Count - start);
                var period = new DateTime[n];
                var dims = new string?[9][];
                for (var d = 0; d < dims.Length; d++)
                {
                    dims[d] = new string?[n];
                }

                var counts = new long[7][];
                for (var c = 0; c < counts.Length; c++)
                {
                    counts[c] = new long[n];
                }

                var revenue = new decimal[n];
                var payout = new decimal[n];
                for (var i = 0; i < n; i++)
                {
                    var (k, m) = rows[start + i];
                    period[i] = k.Period.UtcDateTime;
                    dims[0][i] = k.AffiliateId;
                    dims[1][i] = k.OfferId;
                    dims[2][i] = k.CampaignId;
                    dims[3][i] = k.Sub1;
                    dims[4][i] = k.Sub2;
                    dims[5][i] = k.Sub3;
                    dims[6][i] = k.Sub4;
                    dims[7][i] = k.Sub5;
                    dims[8][i] = k.Country;
                    counts[0][i] = m.Impressions;
                    counts[1][i] = m.Clicks;
                    counts[2][i] = m.UniqueClicks;
                    counts[3][i] = m.BotClicks;
                    counts[4][i] = m.Conversions;
                    counts[5][i] = m.PendingConversions;
                    counts[6][i] = m.RejectedConversions;
                    revenue[i] = m.Revenue;
                    payout[i] = m.Payout;
                }

                using var rg = writer.CreateRowGroup();
                await rg.WriteAsync<DateTime>(Period, period, null, null, cancellationToken).ConfigureAwait(false);
                DataField<string>[] dimFields = [AffiliateId, OfferId, CampaignId, Sub1, Sub2, Sub3, Sub4, Sub5, Country];
                for (var d = 0; d < dimFields.Length; d++)
                {
                    await rg.WriteAsync(dimFields[d], dims[d]!).ConfigureAwait(false);
                }

                DataField<long>[] countFields = [Impressions, Clicks, UniqueClicks, BotClicks, Conversions, PendingConversions, RejectedConversions];
                for (var c = 0; c < countFields.Length; c++)
                {
                    await rg.WriteAsync<long>(countFields[c], counts[c], null, null, cancellationToken).ConfigureAwait(false);
                }

                await rg.WriteAsync<decimal>(Revenue, revenue, null, null, cancellationToken).ConfigureAwait(false);
                await rg.WriteAsync<decimal>(Payout, payout, null, null, cancellationToken).ConfigureAwait(false);
                rg.CompleteValidate();
                if (n > 0)
                {
                    bounds.Add(new Dictionary<string, (long, long)>(StringComparer.Ordinal) { [Period.Name] = BronzeParquet.Bounds(period) });
                }

                if (rows.Count == 0)
                {
                    break;
                }
            }
        }

        // Parquet.Net 6.1 writes micros timestamp statistics in millis; engines that prune by them would skip rows.
        if (bounds.Count > 0)
        {
            TimestampStatisticsPatch.Apply(destination, bounds);
        }
    }

    internal static async Task<List<KeyValuePair<GoldKey, GoldMetrics>>> ReadFileAsync(Stream stream, CancellationToken cancellationToken)
    {
        var reader = await ParquetReader.CreateAsync(stream, new ParquetOptions(), leaveStreamOpen: true, cancellationToken).ConfigureAwait(false);
        await using var scope = reader.ConfigureAwait(false);
        var byName = reader.Schema.DataFields.ToDictionary(f => f.Name, StringComparer.Ordinal);
        DataField F(DataField expected) => byName.TryGetValue(expected.Name, out var f)
            ? f
            : throw new InvalidDataException($"The Parquet file has no column '{expected.Name}'; it is not a gold file of this schema.");

        var rows = new List<KeyValuePair<GoldKey, GoldMetrics>>();
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var rg = reader.OpenRowGroupReader(g);
            var n = checked((int)rg.RowCount);
            var period = new DateTime[n];
            await rg.ReadAsync<DateTime>(F(Period), period, null, cancellationToken).ConfigureAwait(false);
            DataField<string>[] dimFields = [AffiliateId, OfferId, CampaignId, Sub1, Sub2, Sub3, Sub4, Sub5, Country];
            var dims = new string?[dimFields.Length][];
            for (var d = 0; d < dimFields.Length; d++)
            {
                dims[d] = new string?[n];
                await rg.ReadAsync(F(dimFields[d]), dims[d]!, null, cancellationToken).ConfigureAwait(false);
            }

            DataField<long>[] countFields = [Impressions, Clicks, UniqueClicks, BotClicks, Conversions, PendingConversions, RejectedConversions];
            var counts = new long[countFields.Length][];
            for (var c = 0; c < countFields.Length; c++)
            {
                counts[c] = new long[n];
                await rg.ReadAsync<long>(F(countFields[c]), counts[c], null, cancellationToken).ConfigureAwait(false);
            }

            var revenue = new decimal[n];
            var payout = new decimal[n];
            await rg.ReadAsync<decimal>(F(Revenue), revenue, null, cancellationToken).ConfigureAwait(false);
            await rg.ReadAsync<decimal>(F(Payout), payout, null, cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < n; i++)
            {
                var key = new GoldKey(
                    new DateTimeOffset(DateTime.SpecifyKind(period[i], DateTimeKind.Utc), TimeSpan.Zero),
                    dims[0][i], dims[1][i], dims[2][i], dims[3][i], dims[4][i], dims[5][i], dims[6][i], dims[7][i], dims[8][i]);
                rows.Add(new(key, new GoldMetrics(counts[0][i], counts[1][i], counts[2][i], counts[3][i], counts[4][i], counts[5][i], counts[6][i], revenue[i], payout[i])));
            }
        }

        return rows;
    }

    private static DecimalDataField Money(string name) => new(name, precision: 28, scale: 6, forceByteArrayEncoding: false, isNullable: false);
}
