using Parquet;
using Parquet.Schema;

namespace Affiliate.Sdk.Lake.Parquet;

/// <summary>
/// The Parquet schemas of bronze. This is a contract shared with every engine that reads the lake (DuckDB,
/// Snowflake, Spark): change it only with a new schema version and a migration note in docs/lake.md.
/// </summary>
internal static class BronzeSchema
{
    /// <summary>Key-value metadata naming the schema of a bronze events file.</summary>
    public const string SchemaKey = "affiliate.schema";

    /// <summary>Value of <see cref="SchemaKey"/> for event files.</summary>
    public const string EventsSchemaName = "bronze_events/1";

    /// <summary>Value of <see cref="SchemaKey"/> for reject files.</summary>
    public const string RejectsSchemaName = "bronze_rejects/1";

    /// <summary>Key-value metadata listing, comma-separated, the keys a compacted file was merged from.</summary>
    public const string CompactedFromKey = "affiliate.compacted_from";

    public static readonly DataField<string> EventId = new("event_id", false);
    public static readonly DataField<string> Kind = new("kind", false);
    public static readonly DateTimeDataField OccurredAt = Timestamp("occurred_at");
    public static readonly DateTimeDataField ReceivedAt = Timestamp("received_at");
    public static readonly DataField<string> ClickId = new("click_id", true);
    public static readonly DataField<string> OfferId = new("offer_id", true);
    public static readonly DataField<string> AffiliateId = new("affiliate_id", true);
    public static readonly DataField<string> CampaignId = new("campaign_id", true);
    public static readonly DataField<string> Sub1 = new("sub1", true);
    public static readonly DataField<string> Sub2 = new("sub2", true);
    public static readonly DataField<string> Sub3 = new("sub3", true);
    public static readonly DataField<string> Sub4 = new("sub4", true);
    public static readonly DataField<string> Sub5 = new("sub5", true);
    public static readonly DataField<string> TransactionId = new("transaction_id", true);
    public static readonly DataField<string> Status = new("status", true);
    public static readonly DecimalDataField SaleAmount = Money("sale_amount");
    public static readonly DataField<string> SaleCurrency = new("sale_currency", true);
    public static readonly DecimalDataField RevenueAmount = Money("revenue_amount");
    public static readonly DataField<string> RevenueCurrency = new("revenue_currency", true);
    public static readonly DecimalDataField PayoutAmount = Money("payout_amount");
    public static readonly DataField<string> PayoutCurrency = new("payout_currency", true);
    public static readonly DataField<string> IpHash = new("ip_hash", true);
    public static readonly DataField<string> UserAgent = new("user_agent", true);
    public static readonly DataField<string> Country = new("country", true);
    public static readonly DataField<string> Referrer = new("referrer", true);
    public static readonly DataField<bool> IsBot = new("is_bot", false);
    public static readonly DataField<int> SchemaVersion = new("schema_version", false);
    public static readonly DataField<string> Source = new("source", false);
    public static readonly DataField<string> SourcePartition = new("source_partition", false);
    public static readonly DataField<string> SourcePosition = new("source_position", false);
    public static readonly DateTimeDataField LandedAt = Timestamp("landed_at");

    public static readonly DataField<byte[]> Payload = new("payload", false);
    public static readonly DataField<string> Reason = new("reason", false);

    /// <summary>bronze_events, in column order.</summary>
    public static readonly ParquetSchema Events = new(
        EventId, Kind, OccurredAt, ReceivedAt, ClickId, OfferId, AffiliateId, CampaignId,
        Sub1, Sub2, Sub3, Sub4, Sub5, TransactionId, Status,
        SaleAmount, SaleCurrency, RevenueAmount, RevenueCurrency, PayoutAmount, PayoutCurrency,
        IpHash, UserAgent, Country, Referrer, IsBot, SchemaVersion,
        Source, SourcePartition, SourcePosition, LandedAt);

    /// <summary>bronze_rejects, in column order.</summary>
    public static readonly ParquetSchema Rejects = new(Payload, Reason, Source, SourcePartition, SourcePosition, LandedAt);

    /// <summary>Writer settings: Snappy, dictionary encoding for the low-cardinality strings.</summary>
    public static ParquetOptions CreateOptions()
    {
        var options = new ParquetOptions
        {
            CompressionMethod = CompressionMethod.Snappy,

            // Ids are unique: a sample tells so without hashing the whole column.
            DictionaryEncodingSampleSize = 4096,
        };
        foreach (var field in new DataField[] { Kind, OfferId, AffiliateId, CampaignId, Sub1, Sub2, Sub3, Sub4, Sub5, Status, SaleCurrency, RevenueCurrency, PayoutCurrency, Country, Source, SourcePartition })
        {
            options.ColumnEncodingHints[field.Path.ToString()] = EncodingHint.Dictionary;
        }

        return options;
    }

    /// <summary>Truncates a time to the microsecond, the precision bronze stores.</summary>
    public static DateTimeOffset TruncateToMicroseconds(DateTimeOffset value)
    {
        var utc = value.UtcTicks;
        return new DateTimeOffset(utc - (utc % 10), TimeSpan.Zero);
    }

    private static DateTimeDataField Timestamp(string name) =>
        new(name, DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros, isNullable: false);

    private static DecimalDataField Money(string name) =>
        new(name, precision: 18, scale: 6, forceByteArrayEncoding: false, isNullable: true);
}
