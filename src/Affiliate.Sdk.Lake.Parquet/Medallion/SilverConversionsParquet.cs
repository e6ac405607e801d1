using System.Globalization;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.Medallion;
using Parquet;
using Parquet.Schema;

namespace Affiliate.Sdk.Lake.Parquet.Medallion;

/// <summary>
/// One silver conversion as the engine keeps it: the survivor of its deduplication group with its attribution. When
/// attributed, <see cref="Dims"/> holds the click's dimensions and the conversion's UTC hour.
/// </summary>
internal sealed record ConversionRow(
    Guid EventId,
    DateTimeOffset OccurredAt,
    string? ClickId,
    string? TransactionId,
    string? OfferId,
    Guid? ClickEventId,
    GoldKey? Dims,
    ConversionStatus Status,
    decimal Revenue,
    decimal Payout,
    string? Reason)
{
    public DateOnly Date => DateOnly.FromDateTime(OccurredAt.UtcDateTime);

    /// <summary>The reference model's view of this row for a grain.</summary>
    public SilverConversion ToSilver(GoldGrain grain) => new(
        EventId, OccurredAt, ClickEventId, Dims is null ? null : Dims with { Period = MedallionReference.PeriodOf(OccurredAt, grain) }, Status, Revenue, Payout, Reason);
}

/// <summary>
/// silver_conversions: <c>silver/conversions/dt=YYYY-MM-DD/part-*.parquet</c>, partitioned by the conversion's
/// <c>occurred_at</c> date, one row per surviving conversion.
/// </summary>
internal static class SilverConversionsParquet
{
    public const string TablePrefix = "silver/conversions/";
    public const string SchemaName = "silver_conversions/1";

    private static readonly DataField<string> EventId = new("event_id", false);
    private static readonly DateTimeDataField OccurredAt = new("occurred_at", DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros, isNullable: false);
    private static readonly DataField<string> ClickId = new("click_id", true);
    private static readonly DataField<string> ClickEventId = new("click_event_id", true);
    private static readonly DataField<string> TransactionId = new("transaction_id", true);
    private static readonly DataField<string> OfferId = new("offer_id", true);
    private static readonly DataField<string> AffiliateId = new("affiliate_id", true);
    private static readonly DataField<string> CampaignId = new("campaign_id", true);
    private static readonly DataField<string> Sub1 = new("sub1", true);
    private static readonly DataField<string> Sub2 = new("sub2", true);
    private static readonly DataField<string> Sub3 = new("sub3", true);
    private static readonly DataField<string> Sub4 = new("sub4", true);
    private static readonly DataField<string> Sub5 = new("sub5", true);
    private static readonly DataField<string> Country = new("country", true);
    private static readonly DataField<string> Status = new("status", false);
    private static readonly DecimalDataField Revenue = new("revenue", precision: 28, scale: 6, forceByteArrayEncoding: false, isNullable: false);
    private static readonly DecimalDataField Payout = new("payout", precision: 28, scale: 6, forceByteArrayEncoding: false, isNullable: false);
    private static readonly DataField<string> Currency = new("currency", false);
    private static readonly DataField<string> Reason = new("attribution_reason", true);

    private static readonly ParquetSchema Schema = new(
        EventId, OccurredAt, ClickId, ClickEventId, TransactionId, OfferId, AffiliateId, CampaignId, Sub1, Sub2, Sub3, Sub4, Sub5, Country,
        Status, Revenue, Payout, Currency, Reason);

    public static string PartitionPrefix(DateOnly date) => string.Create(CultureInfo.InvariantCulture, $"{TablePrefix}dt={date:yyyy-MM-dd}/");

    public static async Task WriteAsync(Stream destination, IReadOnlyList<ConversionRow> rows, string currency, CancellationToken cancellationToken)
    {
        var n = rows.Count;
        var cols = new string?[15][];
        for (var c = 0; c < cols.Length; c++)
        {
            cols[c] = new string?[n];
        }

        var occurred = new DateTime[n];
        var revenue = new decimal[n];
        var payout = new decimal[n];
        for (var i = 0; i < n; i++)
        {
            var r = rows[i];
            occurred[i] = BronzeParquet.ToParquetTime(r.OccurredAt);
            cols[0][i] = r.EventId.ToString("D", CultureInfo.InvariantCulture);
            cols[1][i] = r.ClickId;
            cols[2][i] = r.ClickEventId?.ToString("D", CultureInfo.InvariantCulture);
            cols[3][i] = r.TransactionId;
            cols[4][i] = r.OfferId;
            cols[5][i] = r.Dims?.AffiliateId;
            cols[6][i] = r.Dims?.CampaignId;
            cols[7][i] = r.Dims?.Sub1;
            cols[8][i] = r.Dims?.Sub2;
            cols[9][i] = r.Dims?.Sub3;
            cols[10][i] = r.Dims?.Sub4;
            cols[11][i] = r.Dims?.Sub5;
            cols[12][i] = r.Dims?.Country;
            cols[13][i] = StatusName(r.Status);
            cols[14][i] = r.Reason;
            revenue[i] = r.Revenue;
            payout[i] = r.Payout;
        }

        var writer = await ParquetWriter.CreateAsync(Schema, destination, new ParquetOptions { CompressionMethod = CompressionMethod.Snappy }, false, cancellationToken).ConfigureAwait(false);
        await using (writer.ConfigureAwait(false))
        {
            writer.CustomMetadata = new Dictionary<string, string> { [GoldParquet.SchemaKey] = SchemaName };
            using var rg = writer.CreateRowGroup();
            await rg.WriteAsync(EventId, cols[0]!).ConfigureAwait(false);
            await rg.WriteAsync<DateTime>(OccurredAt, occurred, null, null, cancellationToken).ConfigureAwait(false);
            await rg.WriteAsync(ClickId, cols[1]!).ConfigureAwait(false);
            await rg.WriteAsync(ClickEventId, cols[2]!).ConfigureAwait(false);
            await rg.WriteAsync(TransactionId, cols[3]!).ConfigureAwait(false);
            await rg.WriteAsync(OfferId, cols[4]!).ConfigureAwait(false);
            await rg.WriteAsync(AffiliateId, cols[5]!).ConfigureAwait(false);
            await rg.WriteAsync(CampaignId, cols[6]!).ConfigureAwait(false);
            await rg.WriteAsync(Sub1, cols[7]!).ConfigureAwait(false);
            await rg.WriteAsync(Sub2, cols[8]!).ConfigureAwait(false);
            await rg.WriteAsync(Sub3, cols[9]!).ConfigureAwait(false);
            await rg.WriteAsync(Sub4, cols[10]!).ConfigureAwait(false);
            await rg.WriteAsync(Sub5, cols[11]!).ConfigureAwait(false);
            await rg.WriteAsync(Country, cols[12]!).ConfigureAwait(false);
            await rg.WriteAsync(Status, cols[13]!).ConfigureAwait(false);
            await rg.WriteAsync<decimal>(Revenue, revenue, null, null, cancellationToken).ConfigureAwait(false);
            await rg.WriteAsync<decimal>(Payout, payout, null, null, cancellationToken).ConfigureAwait(false);
            await rg.WriteAsync(Currency, Enumerable.Repeat(currency, n).ToArray()).ConfigureAwait(false);
            await rg.WriteAsync(Reason, cols[14]!).ConfigureAwait(false);
            rg.CompleteValidate();
        }

        // Parquet.Net 6.1 writes micros timestamp statistics in millis; engines that prune by them would skip rows.
        if (n > 0)
        {
            TimestampStatisticsPatch.Apply(destination, [new Dictionary<string, (long, long)>(StringComparer.Ordinal) { [OccurredAt.Name] = BronzeParquet.Bounds(occurred) }]);
        }
    }

    public static async Task<List<ConversionRow>> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var reader = await ParquetReader.CreateAsync(stream, new ParquetOptions(), leaveStreamOpen: true, cancellationToken).ConfigureAwait(false);
        await using var scope = reader.ConfigureAwait(false);
        var byName = reader.Schema.DataFields.ToDictionary(f => f.Name, StringComparer.Ordinal);
        DataField F(DataField expected) => byName.TryGetValue(expected.Name, out var f)
            ? f
            : throw new InvalidDataException($"The Parquet file has no column '{expected.Name}'; it is not a silver conversions file of this schema.");

        var rows = new List<ConversionRow>();
        DataField<string>[] stringFields = [EventId, ClickId, ClickEventId, TransactionId, OfferId, AffiliateId, CampaignId, Sub1, Sub2, Sub3, Sub4, Sub5, Country, Status, Reason];
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var rg = reader.OpenRowGroupReader(g);
            var n = checked((int)rg.RowCount);
            var s = new string?[stringFields.Length][];
            for (var c = 0; c < stringFields.Length; c++)
            {
                s[c] = new string?[n];
                await rg.ReadAsync(F(stringFields[c]), s[c]!, null, cancellationToken).ConfigureAwait(false);
            }

            var occurred = new DateTime[n];
            await rg.ReadAsync<DateTime>(F(OccurredAt), occurred, null, cancellationToken).ConfigureAwait(false);
            var revenue = new decimal[n];
            var payout = new decimal[n];
            await rg.ReadAsync<decimal>(F(Revenue), revenue, null, cancellationToken).ConfigureAwait(false);
            await rg.ReadAsync<decimal>(F(Payout), payout, null, cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < n; i++)
            {
                var at = new DateTimeOffset(DateTime.SpecifyKind(occurred[i], DateTimeKind.Utc), TimeSpan.Zero);
                Guid? clickEventId = s[2][i] is { } ce ? Guid.ParseExact(ce, "D") : null;
                var dims = clickEventId is null
                    ? null
                    : new GoldKey(MedallionReference.PeriodOf(at, GoldGrain.Hour), s[5][i], s[4][i], s[6][i], s[7][i], s[8][i], s[9][i], s[10][i], s[11][i], s[12][i]);
                rows.Add(new ConversionRow(
                    Guid.ParseExact(s[0][i]!, "D"), at, s[1][i], s[3][i], s[4][i], clickEventId, dims, ParseStatus(s[13][i]), revenue[i], payout[i], s[14][i]));
            }
        }

        return rows;
    }

    private static string StatusName(ConversionStatus status) => status switch
    {
        ConversionStatus.Approved => "approved",
        ConversionStatus.Pending => "pending",
        ConversionStatus.Rejected => "rejected",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Unknown conversion status."),
    };

    private static ConversionStatus ParseStatus(string? value) => value switch
    {
        "approved" => ConversionStatus.Approved,
        "pending" => ConversionStatus.Pending,
        "rejected" => ConversionStatus.Rejected,
        _ => throw new InvalidDataException($"Silver column 'status' holds '{value}', not approved, pending or rejected."),
    };
}
