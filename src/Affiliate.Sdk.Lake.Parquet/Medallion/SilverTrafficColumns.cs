using System.Runtime.CompilerServices;
using Affiliate.Sdk.Events;
using Parquet;
using Parquet.Schema;

namespace Affiliate.Sdk.Lake.Parquet.Medallion;

/// <summary>The columns of one silver traffic row group that gold needs (nothing else is decoded).</summary>
internal sealed class TrafficBatch
{
    public int Count { get; init; }

    public required DateTime[] OccurredAt { get; init; }

    /// <summary>affiliate_id, offer_id, campaign_id, sub1..sub5, country, in that order.</summary>
    public required string?[][] Dims { get; init; }

    public required string?[] IpHash { get; init; }

    public required string?[] UserAgent { get; init; }

    public required bool[] IsBot { get; init; }
}

/// <summary>
/// Column-pruned reads of silver traffic files (bronze schema): gold reads 14 of the 31 columns, and the click lookup
/// reads <c>click_id</c> alone, decoding the rest of a row group only when one of its click ids is wanted.
/// </summary>
internal static class SilverTrafficColumns
{
    private static readonly DataField[] DimFields =
    [
        BronzeSchema.AffiliateId, BronzeSchema.OfferId, BronzeSchema.CampaignId,
        BronzeSchema.Sub1, BronzeSchema.Sub2, BronzeSchema.Sub3, BronzeSchema.Sub4, BronzeSchema.Sub5, BronzeSchema.Country,
    ];

    public static async IAsyncEnumerable<TrafficBatch> ReadForGoldAsync(Stream stream, [EnumeratorCancellation] CancellationToken ct)
    {
        var reader = await ParquetReader.CreateAsync(stream, new ParquetOptions(), leaveStreamOpen: true, ct).ConfigureAwait(false);
        await using var scope = reader.ConfigureAwait(false);
        var fields = new Fields(reader.Schema);
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var rg = reader.OpenRowGroupReader(g);
            var n = checked((int)rg.RowCount);
            var occurred = new DateTime[n];
            await rg.ReadAsync<DateTime>(fields.Get(BronzeSchema.OccurredAt), occurred, null, ct).ConfigureAwait(false);
            var dims = new string?[DimFields.Length][];
            for (var d = 0; d < DimFields.Length; d++)
            {
                dims[d] = await Strings(rg, fields.Get(DimFields[d]), n, ct).ConfigureAwait(false);
            }

            var isBot = new bool[n];
            await rg.ReadAsync<bool>(fields.Get(BronzeSchema.IsBot), isBot, null, ct).ConfigureAwait(false);
            yield return new TrafficBatch
            {
                Count = n,
                OccurredAt = occurred,
                Dims = dims,
                IpHash = await Strings(rg, fields.Get(BronzeSchema.IpHash), n, ct).ConfigureAwait(false),
                UserAgent = await Strings(rg, fields.Get(BronzeSchema.UserAgent), n, ct).ConfigureAwait(false),
                IsBot = isBot,
            };
        }
    }

    /// <summary>The clicks of a silver clicks file whose click id satisfies <paramref name="wanted"/>, with the fields attribution uses.</summary>
    public static async IAsyncEnumerable<TrackingEvent> ReadClicksAsync(Stream stream, Func<string, bool> wanted, [EnumeratorCancellation] CancellationToken ct)
    {
        var reader = await ParquetReader.CreateAsync(stream, new ParquetOptions(), leaveStreamOpen: true, ct).ConfigureAwait(false);
        await using var scope = reader.ConfigureAwait(false);
        var fields = new Fields(reader.Schema);
        var hits = new List<int>();
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var rg = reader.OpenRowGroupReader(g);
            var n = checked((int)rg.RowCount);
            var clickIds = await Strings(rg, fields.Get(BronzeSchema.ClickId), n, ct).ConfigureAwait(false);
            hits.Clear();
            for (var i = 0; i < n; i++)
            {
                if (clickIds[i] is { } id && wanted(id))
                {
                    hits.Add(i);
                }
            }

            if (hits.Count == 0)
            {
                continue;
            }

            var eventIds = await Strings(rg, fields.Get(BronzeSchema.EventId), n, ct).ConfigureAwait(false);
            var occurred = new DateTime[n];
            await rg.ReadAsync<DateTime>(fields.Get(BronzeSchema.OccurredAt), occurred, null, ct).ConfigureAwait(false);
            var received = new DateTime[n];
            await rg.ReadAsync<DateTime>(fields.Get(BronzeSchema.ReceivedAt), received, null, ct).ConfigureAwait(false);
            var dims = new string?[DimFields.Length][];
            for (var d = 0; d < DimFields.Length; d++)
            {
                dims[d] = await Strings(rg, fields.Get(DimFields[d]), n, ct).ConfigureAwait(false);
            }

            var ip = await Strings(rg, fields.Get(BronzeSchema.IpHash), n, ct).ConfigureAwait(false);
            var ua = await Strings(rg, fields.Get(BronzeSchema.UserAgent), n, ct).ConfigureAwait(false);
            var isBot = new bool[n];
            await rg.ReadAsync<bool>(fields.Get(BronzeSchema.IsBot), isBot, null, ct).ConfigureAwait(false);
            foreach (var i in hits)
            {
                yield return new TrackingEvent
                {
                    EventId = Guid.ParseExact(eventIds[i]!, "D"),
                    Kind = EventKind.Click,
                    OccurredAt = Utc(occurred[i]),
                    ReceivedAt = Utc(received[i]),
                    ClickId = clickIds[i],
                    AffiliateId = dims[0][i],
                    OfferId = dims[1][i],
                    CampaignId = dims[2][i],
                    Sub1 = dims[3][i],
                    Sub2 = dims[4][i],
                    Sub3 = dims[5][i],
                    Sub4 = dims[6][i],
                    Sub5 = dims[7][i],
                    Country = dims[8][i],
                    IpHash = ip[i],
                    UserAgent = ua[i],
                    IsBot = isBot[i],
                };
            }
        }
    }

    public static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc), TimeSpan.Zero);

    private static async Task<string?[]> Strings(ParquetRowGroupReader rg, DataField field, int n, CancellationToken ct)
    {
        var values = new string?[n];
        await rg.ReadAsync(field, values!, null, ct).ConfigureAwait(false);
        return values;
    }

    private sealed class Fields(ParquetSchema schema)
    {
        private readonly Dictionary<string, DataField> _byName = schema.DataFields.ToDictionary(f => f.Name, StringComparer.Ordinal);

        public DataField Get(DataField expected) =>
            _byName.TryGetValue(expected.Name, out var field)
                ? field
                : throw new InvalidDataException($"The Parquet file has no column '{expected.Name}'; it is not a silver traffic file of this schema.");
    }
}
