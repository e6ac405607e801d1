using System.Globalization;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.Pipeline;
using Parquet;
using Parquet.Schema;

namespace Affiliate.Sdk.Lake.Parquet;

/// <summary>Encodes bronze rows to Parquet columns and back.</summary>
internal static class BronzeParquet
{
    private static readonly ParquetOptions ReadOptions = new();

    /// <summary>Writes event rows as one Parquet file, in row groups of at most <paramref name="rowGroupRows"/> rows.</summary>
    public static async Task WriteEventsAsync(
        Stream destination,
        IReadOnlyList<BronzeRecord> rows,
        int start,
        int count,
        int rowGroupRows,
        IReadOnlyDictionary<string, string>? metadata,
        CancellationToken cancellationToken)
    {
        var file = await EventFileWriter.CreateAsync(destination, metadata, cancellationToken).ConfigureAwait(false);
        await using var fileScope = file.ConfigureAwait(false);
        for (var offset = 0; offset < count; offset += rowGroupRows)
        {
            await file.WriteRowGroupAsync(rows, start + offset, Math.Min(rowGroupRows, count - offset), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Writes reject rows as one Parquet file.</summary>
    public static async Task WriteRejectsAsync(Stream destination, IReadOnlyList<RejectedRecord> rows, int start, int count, CancellationToken cancellationToken)
    {
        var payload = new byte[count][];
        var reason = new string[count];
        var source = new string[count];
        var partition = new string[count];
        var position = new string[count];
        var landed = new DateTime[count];
        for (var i = 0; i < count; i++)
        {
            var r = rows[start + i];
            payload[i] = r.Payload.ToArray();
            reason[i] = r.Reason;
            source[i] = r.Ingestion.Source;
            partition[i] = r.Ingestion.Partition;
            position[i] = r.Ingestion.Position;
            landed[i] = ToParquetTime(r.Ingestion.LandedAt);
        }

        var writer = await ParquetWriter.CreateAsync(BronzeSchema.Rejects, destination, BronzeSchema.CreateOptions(), false, cancellationToken).ConfigureAwait(false);
        await using (writer.ConfigureAwait(false))
        {
            writer.CustomMetadata = new Dictionary<string, string> { [BronzeSchema.SchemaKey] = BronzeSchema.RejectsSchemaName };
            using var rowGroup = writer.CreateRowGroup();
            await rowGroup.WriteAsync(BronzeSchema.Payload, payload).ConfigureAwait(false);
            await rowGroup.WriteAsync(BronzeSchema.Reason, reason).ConfigureAwait(false);
            await rowGroup.WriteAsync(BronzeSchema.Source, source).ConfigureAwait(false);
            await rowGroup.WriteAsync(BronzeSchema.SourcePartition, partition).ConfigureAwait(false);
            await rowGroup.WriteAsync(BronzeSchema.SourcePosition, position).ConfigureAwait(false);
            await rowGroup.WriteAsync<DateTime>(BronzeSchema.LandedAt, landed, null, null, cancellationToken).ConfigureAwait(false);
            rowGroup.CompleteValidate();
        }

        TimestampStatisticsPatch.Apply(destination, [new Dictionary<string, (long, long)> { [BronzeSchema.LandedAt.Name] = Bounds(landed) }]);
    }

    /// <summary>The min and max of timestamps, in microseconds since the Unix epoch.</summary>
    internal static (long Min, long Max) Bounds(DateTime[] values)
    {
        var min = long.MaxValue;
        var max = long.MinValue;
        foreach (var v in values)
        {
            var micros = (v.Ticks - DateTime.UnixEpoch.Ticks) / 10;
            min = Math.Min(min, micros);
            max = Math.Max(max, micros);
        }

        return (min, max);
    }

    /// <summary>Reads the key-value metadata of a Parquet file.</summary>
    public static async Task<IReadOnlyDictionary<string, string>> ReadMetadataAsync(Stream source, CancellationToken cancellationToken)
    {
        var reader = await ParquetReader.CreateAsync(source, ReadOptions, leaveStreamOpen: true, cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        return new Dictionary<string, string>(reader.CustomMetadata);
    }

    /// <summary>Reads an events file, one list of rows per row group.</summary>
    public static async IAsyncEnumerable<List<BronzeRecord>> ReadEventsAsync(Stream source, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var reader = await ParquetReader.CreateAsync(source, ReadOptions, leaveStreamOpen: true, cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var fields = new FieldMap(reader.Schema);
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            var rowGroup = reader.OpenRowGroupReader(g);
            var n = checked((int)rowGroup.RowCount);
            var eventId = await Strings(rowGroup, fields.Get(BronzeSchema.EventId), n, cancellationToken).ConfigureAwait(false);
            var kind = await Strings(rowGroup, fields.Get(BronzeSchema.Kind), n, cancellationToken).ConfigureAwait(false);
            var occurred = await Times(rowGroup, fields.Get(BronzeSchema.OccurredAt), n, cancellationToken).ConfigureAwait(false);
            var received = await Times(rowGroup, fields.Get(BronzeSchema.ReceivedAt), n, cancellationToken).ConfigureAwait(false);
            var clickId = await Strings(rowGroup, fields.Get(BronzeSchema.ClickId), n, cancellationToken).ConfigureAwait(false);
            var offerId = await Strings(rowGroup, fields.Get(BronzeSchema.OfferId), n, cancellationToken).ConfigureAwait(false);
            var affiliateId = await Strings(rowGroup, fields.Get(BronzeSchema.AffiliateId), n, cancellationToken).ConfigureAwait(false);
            var campaignId = await Strings(rowGroup, fields.Get(BronzeSchema.CampaignId), n, cancellationToken).ConfigureAwait(false);
            var sub1 = await Strings(rowGroup, fields.Get(BronzeSchema.Sub1), n, cancellationToken).ConfigureAwait(false);
            var sub2 = await Strings(rowGroup, fields.Get(BronzeSchema.Sub2), n, cancellationToken).ConfigureAwait(false);
            var sub3 = await Strings(rowGroup, fields.Get(BronzeSchema.Sub3), n, cancellationToken).ConfigureAwait(false);
            var sub4 = await Strings(rowGroup, fields.Get(BronzeSchema.Sub4), n, cancellationToken).ConfigureAwait(false);
            var sub5 = await Strings(rowGroup, fields.Get(BronzeSchema.Sub5), n, cancellationToken).ConfigureAwait(false);
            var transactionId = await Strings(rowGroup, fields.Get(BronzeSchema.TransactionId), n, cancellationToken).ConfigureAwait(false);
            var status = await Strings(rowGroup, fields.Get(BronzeSchema.Status), n, cancellationToken).ConfigureAwait(false);
            var saleAmount = await Decimals(rowGroup, fields.Get(BronzeSchema.SaleAmount), n, cancellationToken).ConfigureAwait(false);
            var saleCurrency = await Strings(rowGroup, fields.Get(BronzeSchema.SaleCurrency), n, cancellationToken).ConfigureAwait(false);
            var revenueAmount = await Decimals(rowGroup, fields.Get(BronzeSchema.RevenueAmount), n, cancellationToken).ConfigureAwait(false);
            var revenueCurrency = await Strings(rowGroup, fields.Get(BronzeSchema.RevenueCurrency), n, cancellationToken).ConfigureAwait(false);
            var payoutAmount = await Decimals(rowGroup, fields.Get(BronzeSchema.PayoutAmount), n, cancellationToken).ConfigureAwait(false);
            var payoutCurrency = await Strings(rowGroup, fields.Get(BronzeSchema.PayoutCurrency), n, cancellationToken).ConfigureAwait(false);
            var ipHash = await Strings(rowGroup, fields.Get(BronzeSchema.IpHash), n, cancellationToken).ConfigureAwait(false);
            var userAgent = await Strings(rowGroup, fields.Get(BronzeSchema.UserAgent), n, cancellationToken).ConfigureAwait(false);
            var country = await Strings(rowGroup, fields.Get(BronzeSchema.Country), n, cancellationToken).ConfigureAwait(false);
            var referrer = await Strings(rowGroup, fields.Get(BronzeSchema.Referrer), n, cancellationToken).ConfigureAwait(false);
            var isBot = new bool[n];
            await rowGroup.ReadAsync<bool>(fields.Get(BronzeSchema.IsBot), isBot, null, cancellationToken).ConfigureAwait(false);
            var schemaVersion = new int[n];
            await rowGroup.ReadAsync<int>(fields.Get(BronzeSchema.SchemaVersion), schemaVersion, null, cancellationToken).ConfigureAwait(false);
            var src0 = await Strings(rowGroup, fields.Get(BronzeSchema.Source), n, cancellationToken).ConfigureAwait(false);
            var sourcePartition = await Strings(rowGroup, fields.Get(BronzeSchema.SourcePartition), n, cancellationToken).ConfigureAwait(false);
            var sourcePosition = await Strings(rowGroup, fields.Get(BronzeSchema.SourcePosition), n, cancellationToken).ConfigureAwait(false);
            var landed = await Times(rowGroup, fields.Get(BronzeSchema.LandedAt), n, cancellationToken).ConfigureAwait(false);

            var rows = new List<BronzeRecord>(n);
            for (var i = 0; i < n; i++)
            {
                var e = new TrackingEvent
                {
                    EventId = Guid.ParseExact(eventId[i]!, "D"),
                    Kind = ParseKind(kind[i]),
                    OccurredAt = occurred[i],
                    ReceivedAt = received[i],
                    ClickId = clickId[i],
                    OfferId = offerId[i],
                    AffiliateId = affiliateId[i],
                    CampaignId = campaignId[i],
                    Sub1 = sub1[i],
                    Sub2 = sub2[i],
                    Sub3 = sub3[i],
                    Sub4 = sub4[i],
                    Sub5 = sub5[i],
                    TransactionId = transactionId[i],
                    Status = ParseStatus(status[i]),
                    SaleAmount = ToMoney(saleAmount[i], saleCurrency[i]),
                    Revenue = ToMoney(revenueAmount[i], revenueCurrency[i]),
                    Payout = ToMoney(payoutAmount[i], payoutCurrency[i]),
                    IpHash = ipHash[i],
                    UserAgent = userAgent[i],
                    Country = country[i],
                    Referrer = referrer[i],
                    IsBot = isBot[i],
                    SchemaVersion = schemaVersion[i],
                };
                rows.Add(new BronzeRecord(e, new IngestionInfo(src0[i] ?? string.Empty, sourcePartition[i] ?? string.Empty, sourcePosition[i] ?? string.Empty, landed[i])));
            }

            yield return rows;
        }
    }

    /// <summary>Reads a rejects file.</summary>
    public static async Task<List<RejectedRecord>> ReadRejectsAsync(Stream source, CancellationToken cancellationToken)
    {
        var reader = await ParquetReader.CreateAsync(source, ReadOptions, leaveStreamOpen: true, cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var fields = new FieldMap(reader.Schema);
        var rows = new List<RejectedRecord>();
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            var rowGroup = reader.OpenRowGroupReader(g);
            var n = checked((int)rowGroup.RowCount);
            var payload = new byte[n][];
            await rowGroup.ReadAsync(fields.Get(BronzeSchema.Payload), payload, null, cancellationToken).ConfigureAwait(false);
            var reason = await Strings(rowGroup, fields.Get(BronzeSchema.Reason), n, cancellationToken).ConfigureAwait(false);
            var src = await Strings(rowGroup, fields.Get(BronzeSchema.Source), n, cancellationToken).ConfigureAwait(false);
            var partition = await Strings(rowGroup, fields.Get(BronzeSchema.SourcePartition), n, cancellationToken).ConfigureAwait(false);
            var position = await Strings(rowGroup, fields.Get(BronzeSchema.SourcePosition), n, cancellationToken).ConfigureAwait(false);
            var landed = await Times(rowGroup, fields.Get(BronzeSchema.LandedAt), n, cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < n; i++)
            {
                rows.Add(new RejectedRecord(payload[i] ?? [], reason[i] ?? string.Empty, new IngestionInfo(src[i] ?? string.Empty, partition[i] ?? string.Empty, position[i] ?? string.Empty, landed[i])));
            }
        }

        return rows;
    }

    internal static DateTime ToParquetTime(DateTimeOffset value)
    {
        var ticks = value.UtcTicks;
        return new DateTime(ticks - (ticks % 10), DateTimeKind.Utc);
    }

    internal static string KindName(EventKind kind) => kind switch
    {
        EventKind.Impression => "impression",
        EventKind.Click => "click",
        EventKind.Conversion => "conversion",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown event kind."),
    };

    private static string? StatusName(ConversionStatus? status) => status switch
    {
        null => null,
        ConversionStatus.Approved => "approved",
        ConversionStatus.Pending => "pending",
        ConversionStatus.Rejected => "rejected",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Unknown conversion status."),
    };

    private static EventKind ParseKind(string? value) => value switch
    {
        "impression" => EventKind.Impression,
        "click" => EventKind.Click,
        "conversion" => EventKind.Conversion,
        _ => throw new InvalidDataException($"Bronze column 'kind' holds '{value}', not impression, click or conversion."),
    };

    private static ConversionStatus? ParseStatus(string? value) => value switch
    {
        null => null,
        "approved" => ConversionStatus.Approved,
        "pending" => ConversionStatus.Pending,
        "rejected" => ConversionStatus.Rejected,
        _ => throw new InvalidDataException($"Bronze column 'status' holds '{value}', not approved, pending or rejected."),
    };

    private static Money? ToMoney(decimal? amount, string? currency) =>
        amount is { } a && currency is not null ? new Money(a, currency) : null;

    private static async Task<string?[]> Strings(ParquetRowGroupReader rowGroup, DataField field, int n, CancellationToken cancellationToken)
    {
        var values = new string?[n];
        await rowGroup.ReadAsync(field, values!, null, cancellationToken).ConfigureAwait(false);
        return values;
    }

    private static async Task<DateTimeOffset[]> Times(ParquetRowGroupReader rowGroup, DataField field, int n, CancellationToken cancellationToken)
    {
        var raw = new DateTime[n];
        await rowGroup.ReadAsync<DateTime>(field, raw, null, cancellationToken).ConfigureAwait(false);
        var values = new DateTimeOffset[n];
        for (var i = 0; i < n; i++)
        {
            values[i] = new DateTimeOffset(DateTime.SpecifyKind(raw[i], DateTimeKind.Utc), TimeSpan.Zero);
        }

        return values;
    }

    private static async Task<decimal?[]> Decimals(ParquetRowGroupReader rowGroup, DataField field, int n, CancellationToken cancellationToken)
    {
        var values = new decimal?[n];
        await rowGroup.ReadAsync<decimal>(field, values, null, cancellationToken).ConfigureAwait(false);
        return values;
    }

    /// <summary>Finds the file's own fields by name, so files written by other tools read by column name.</summary>
    private sealed class FieldMap(ParquetSchema schema)
    {
        private readonly Dictionary<string, DataField> _byName = schema.DataFields.ToDictionary(f => f.Name, StringComparer.Ordinal);

        public DataField Get(DataField expected) =>
            _byName.TryGetValue(expected.Name, out var field)
                ? field
                : throw new InvalidDataException($"The Parquet file has no column '{expected.Name}'; it is not a bronze file of this schema.");
    }

    /// <summary>Writes an events file row group by row group, so large merges stream with bounded memory.</summary>
    internal sealed class EventFileWriter : IAsyncDisposable
    {
        private readonly ParquetWriter _writer;
        private readonly Stream _destination;
        private readonly List<IReadOnlyDictionary<string, (long Min, long Max)>> _timeBounds = [];
        private bool _disposed;

        private EventFileWriter(ParquetWriter writer, Stream destination)
        {
            _writer = writer;
            _destination = destination;
        }

        public long Rows { get; private set; }

        public static async Task<EventFileWriter> CreateAsync(Stream destination, IReadOnlyDictionary<string, string>? metadata, CancellationToken cancellationToken)
        {
            var writer = await ParquetWriter.CreateAsync(BronzeSchema.Events, destination, BronzeSchema.CreateOptions(), false, cancellationToken).ConfigureAwait(false);
            var custom = new Dictionary<string, string>(StringComparer.Ordinal) { [BronzeSchema.SchemaKey] = BronzeSchema.EventsSchemaName };
            if (metadata is not null)
            {
                foreach (var (key, value) in metadata)
                {
                    custom[key] = value;
                }
            }

            writer.CustomMetadata = custom;
            return new EventFileWriter(writer, destination);
        }

        public async Task WriteRowGroupAsync(IReadOnlyList<BronzeRecord> rows, int start, int count, CancellationToken cancellationToken)
        {
            var eventId = new ReadOnlyMemory<char>?[count];
            var kind = new ReadOnlyMemory<char>?[count];
            var occurred = new DateTime[count];
            var received = new DateTime[count];
            var clickId = new ReadOnlyMemory<char>?[count];
            var offerId = new ReadOnlyMemory<char>?[count];
            var affiliateId = new ReadOnlyMemory<char>?[count];
            var campaignId = new ReadOnlyMemory<char>?[count];
            var sub1 = new ReadOnlyMemory<char>?[count];
            var sub2 = new ReadOnlyMemory<char>?[count];
            var sub3 = new ReadOnlyMemory<char>?[count];
            var sub4 = new ReadOnlyMemory<char>?[count];
            var sub5 = new ReadOnlyMemory<char>?[count];
            var transactionId = new ReadOnlyMemory<char>?[count];
            var status = new ReadOnlyMemory<char>?[count];
            var saleAmount = new decimal?[count];
            var saleCurrency = new ReadOnlyMemory<char>?[count];
            var revenueAmount = new decimal?[count];
            var revenueCurrency = new ReadOnlyMemory<char>?[count];
            var payoutAmount = new decimal?[count];
            var payoutCurrency = new ReadOnlyMemory<char>?[count];
            var ipHash = new ReadOnlyMemory<char>?[count];
            var userAgent = new ReadOnlyMemory<char>?[count];
            var country = new ReadOnlyMemory<char>?[count];
            var referrer = new ReadOnlyMemory<char>?[count];
            var isBot = new bool[count];
            var schemaVersion = new int[count];
            var source = new ReadOnlyMemory<char>?[count];
            var sourcePartition = new ReadOnlyMemory<char>?[count];
            var sourcePosition = new ReadOnlyMemory<char>?[count];
            var landed = new DateTime[count];
            for (var i = 0; i < count; i++)
            {
                var (e, ingestion) = rows[start + i];
                eventId[i] = Chars(e.EventId.ToString("D", CultureInfo.InvariantCulture));
                kind[i] = Chars(KindName(e.Kind));
                occurred[i] = ToParquetTime(e.OccurredAt);
                received[i] = ToParquetTime(e.ReceivedAt);
                clickId[i] = Chars(e.ClickId);
                offerId[i] = Chars(e.OfferId);
                affiliateId[i] = Chars(e.AffiliateId);
                campaignId[i] = Chars(e.CampaignId);
                sub1[i] = Chars(e.Sub1);
                sub2[i] = Chars(e.Sub2);
                sub3[i] = Chars(e.Sub3);
                sub4[i] = Chars(e.Sub4);
                sub5[i] = Chars(e.Sub5);
                transactionId[i] = Chars(e.TransactionId);
                status[i] = Chars(StatusName(e.Status));
                saleAmount[i] = e.SaleAmount?.Amount;
                saleCurrency[i] = Chars(e.SaleAmount?.Currency);
                revenueAmount[i] = e.Revenue?.Amount;
                revenueCurrency[i] = Chars(e.Revenue?.Currency);
                payoutAmount[i] = e.Payout?.Amount;
                payoutCurrency[i] = Chars(e.Payout?.Currency);
                ipHash[i] = Chars(e.IpHash);
                userAgent[i] = Chars(e.UserAgent);
                country[i] = Chars(e.Country);
                referrer[i] = Chars(e.Referrer);
                isBot[i] = e.IsBot;
                schemaVersion[i] = e.SchemaVersion;
                source[i] = Chars(ingestion.Source);
                sourcePartition[i] = Chars(ingestion.Partition);
                sourcePosition[i] = Chars(ingestion.Position);
                landed[i] = ToParquetTime(ingestion.LandedAt);
            }

            using var rg = _writer.CreateRowGroup();
            await rg.WriteAsync<ReadOnlyMemory<char>>(BronzeSchema.EventId, eventId, null, null, cancellationToken).ConfigureAwait(false);
            await rg.WriteAsync<ReadOnlyMemory<char>>(BronzeSchema.Kind, kind, null, null, cancellationToken).ConfigureAwait(false);
            await rg.WriteAsync<DateTime>(BronzeSchema.OccurredAt, occurred, null, null, cancellationToken).ConfigureAwait(false);
            await rg.WriteAsync<DateTime>(BronzeSchema.ReceivedAt, received, null, null, cancellationToken).ConfigureAwait(false);
            await rg.WriteAsync<ReadOnlyMemory<char>>(BronzeSchema.ClickId, clickId, null, null, cancellationToken).ConfigureAwait(false);
            await rg.WriteAsync<ReadOnlyMemory<char>>(BronzeSchema.OfferId, offerId, null, null, cancellationToken).ConfigureAwait(false);
            await rg.WriteAsync<ReadOnlyMemory<char>>(BronzeSchema.AffiliateId, affiliateId, null, null, cancellationToken).ConfigureAwait(false);
            await rg.WriteAsync<ReadOnlyMemory<char>>(BronzeSchema.CampaignId, campaignId, null, null, cancellationToken).ConfigureAwait(false);
            await rg.WriteAsync<ReadOnlyMemory<char>>(BronzeSchema.Sub1, sub1, null, null, cancellationToken).ConfigureAwait(false);
            await rg.WriteAsync<ReadOnlyMemory<char>>(BronzeSchema.Sub2, sub2, null, null, cancellationToken).ConfigureAwait(false);
            await rg.WriteAsync<ReadOnlyMemory<char>>(BronzeSchema.Sub3, sub3, null, null, cancellationToken).ConfigureAwait(false);
            await rg.WriteAsync<ReadOnlyMemory<char>>(BronzeSchema.Sub4, sub4, null, null, cancellationToken).ConfigureAwait(false);
            await rg.WriteAsync<ReadOnlyMemory<char>>(BronzeSchema.Sub5, sub5, null, null, cancellationToken).ConfigureAwait(false);
            await rg.WriteAsync<ReadOnlyMemory<char>>(BronzeSchema.TransactionId, transactionId, null, null, cancellationToken).ConfigureAwait(false);
            await rg.WriteAsync<ReadOnlyMemory<char>>(BronzeSchema.Status, status, null, null, cancellationToken).ConfigureAwait(false);
            await rg.WriteAsync<decimal>(BronzeSchema.SaleAmount, saleAmount, null, null, cancellationToken).ConfigureAwait(false);
            await rg.WriteAsync<ReadOnlyMemory<char>>(BronzeSchema.SaleCurrency, saleCurrency, null, null, cancellationToken).ConfigureAwait(false);
            await rg.WriteAsync<decimal>(BronzeSchema.RevenueAmount, revenueAmount, null, null, cancellationToken).ConfigureAwait(false);
            await rg.WriteAsync<ReadOnlyMemory<char>>(BronzeSchema.RevenueCurrency, revenueCurrency, null, null, cancellationToken).ConfigureAwait(false);
            await rg.WriteAsync<decimal>(BronzeSchema.PayoutAmount, payoutAmount, null, null, cancellationToken).ConfigureAwait(false);
            await rg.WriteAsync<ReadOnlyMemory<char>>(BronzeSchema.PayoutCurrency, payoutCurrency, null, null, cancellationToken).ConfigureAwait(false);
            await rg.WriteAsync<ReadOnlyMemory<char>>(BronzeSchema.IpHash, ipHash, null, null, cancellationToken).ConfigureAwait(false);
            await rg.WriteAsync<ReadOnlyMemory<char>>(BronzeSchema.UserAgent, userAgent, null, null, cancellationToken).ConfigureAwait(false);
            await rg.WriteAsync<ReadOnlyMemory<char>>(BronzeSchema.Country, country, null, null, cancellationToken).ConfigureAwait(false);
            await rg.WriteAsync<ReadOnlyMemory<char>>(BronzeSchema.Referrer, referrer, null, null, cancellationToken).ConfigureAwait(false);
            await rg.WriteAsync<bool>(BronzeSchema.IsBot, isBot, null, null, cancellationToken).ConfigureAwait(false);
            await rg.WriteAsync<int>(BronzeSchema.SchemaVersion, schemaVersion, null, null, cancellationToken).ConfigureAwait(false);
            await rg.WriteAsync<ReadOnlyMemory<char>>(BronzeSchema.Source, source, null, null, cancellationToken).ConfigureAwait(false);
            await rg.WriteAsync<ReadOnlyMemory<char>>(BronzeSchema.SourcePartition, sourcePartition, null, null, cancellationToken).ConfigureAwait(false);
            await rg.WriteAsync<ReadOnlyMemory<char>>(BronzeSchema.SourcePosition, sourcePosition, null, null, cancellationToken).ConfigureAwait(false);
            await rg.WriteAsync<DateTime>(BronzeSchema.LandedAt, landed, null, null, cancellationToken).ConfigureAwait(false);
            rg.CompleteValidate();
            _timeBounds.Add(new Dictionary<string, (long, long)>(StringComparer.Ordinal)
            {
                [BronzeSchema.OccurredAt.Name] = Bounds(occurred),
                [BronzeSchema.ReceivedAt.Name] = Bounds(received),
                [BronzeSchema.LandedAt.Name] = Bounds(landed),
            });
            Rows += count;
        }

        /// <summary>Strings go to Parquet as character memory: no per-column conversion copy.</summary>
        private static ReadOnlyMemory<char>? Chars(string? value) => value?.AsMemory();

        /// <summary>Writes the footer, then corrects the timestamp statistics in it (see <see cref="TimestampStatisticsPatch"/>).</summary>
        public async ValueTask DisposeAsync()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            await _writer.DisposeAsync().ConfigureAwait(false);
            TimestampStatisticsPatch.Apply(_destination, _timeBounds);
        }
    }
}
