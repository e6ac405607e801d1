using System.Globalization;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.Pipeline;
using DuckDB.NET.Data;
using FsCheck;
using FsCheck.Xunit;

namespace Affiliate.Sdk.Lake.Parquet.Tests;

public sealed class DuckDbCompatibilityTests
{
    private static readonly string[] ExpectedColumns =
    [
        "event_id VARCHAR", "kind VARCHAR", "occurred_at TIMESTAMP WITH TIME ZONE", "received_at TIMESTAMP WITH TIME ZONE",
        "click_id VARCHAR", "offer_id VARCHAR", "affiliate_id VARCHAR", "campaign_id VARCHAR",
        "sub1 VARCHAR", "sub2 VARCHAR", "sub3 VARCHAR", "sub4 VARCHAR", "sub5 VARCHAR", "transaction_id VARCHAR", "status VARCHAR",
        "sale_amount DECIMAL(18,6)", "sale_currency VARCHAR", "revenue_amount DECIMAL(18,6)", "revenue_currency VARCHAR",
        "payout_amount DECIMAL(18,6)", "payout_currency VARCHAR",
        "ip_hash VARCHAR", "user_agent VARCHAR", "country VARCHAR", "referrer VARCHAR", "is_bot BOOLEAN", "schema_version INTEGER",
        "source VARCHAR", "source_partition VARCHAR", "source_position VARCHAR", "landed_at TIMESTAMP WITH TIME ZONE",
    ];

    private static async Task<(LocalDiskBlobStore Store, LakeCommit Commit)> Write(TempDirectory dir, IReadOnlyList<BronzeRecord> records, IReadOnlyList<RejectedRecord>? rejects = null)
    {
        var store = new LocalDiskBlobStore(dir.Path);
        var writer = new ParquetLakeWriter(store, new ParquetLakeOptions());
        await writer.AppendAsync(records, rejects ?? [], default);
        return (store, await writer.FlushAsync(default));
    }

    private static DuckDBConnection Open()
    {
        var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SET TimeZone = 'UTC'";
        command.ExecuteNonQuery();
        return connection;
    }

    private static string Glob(LocalDiskBlobStore store, string sub) => Path.Combine(store.RootPath, sub).Replace('\\', '/');

    [Fact]
    public async Task DuckDb_sees_the_bronze_contract_types()
    {
        using var dir = new TempDirectory();
        var (store, _) = await Write(dir, [LakeGenerators.Click(1, DateTimeOffset.UtcNow)]);
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "DESCRIBE SELECT * FROM read_parquet($glob, hive_partitioning = false)";
        command.Parameters.Add(new DuckDBParameter("glob", Glob(store, "bronze/events/**/*.parquet")));

        var columns = new List<string>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                columns.Add($"{reader.GetString(0)} {reader.GetString(1)}");
            }
        }

        Assert.Equal(ExpectedColumns, columns);
    }

    [Fact]
    public async Task DuckDb_sees_reject_payload_as_blob_and_reason()
    {
        using var dir = new TempDirectory();
        var landed = new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);
        var (store, _) = await Write(dir, [], [new RejectedRecord(new byte[] { 1, 2, 255 }, "bad json", new IngestionInfo("s", "p", "9", landed))]);
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT payload, reason, source_position, landed_at FROM read_parquet($glob)";
        command.Parameters.Add(new DuckDBParameter("glob", Glob(store, "bronze/rejects/**/*.parquet")));
        using var reader = command.ExecuteReader();

        Assert.True(reader.Read());
        using var payload = reader.GetStream(0);
        using var copy = new MemoryStream();
        payload.CopyTo(copy);
        Assert.Equal(new byte[] { 1, 2, 255 }, copy.ToArray());
        Assert.Equal("bad json", reader.GetString(1));
        Assert.Equal("9", reader.GetString(2));
        Assert.Equal(landed, ((DateTimeOffset)reader.GetFieldValue<DateTimeOffset>(3)).ToUniversalTime());
    }

    [Fact]
    public async Task DuckDb_time_filters_see_every_matching_row_because_timestamp_statistics_are_exact()
    {
        using var dir = new TempDirectory();
        var start = new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero).AddTicks(1_234_567);
        var records = Enumerable.Range(0, 1000).Select(i => LakeGenerators.Click(i, start.AddTicks(i * 36_000_000L + 7))).ToList();
        var store = new LocalDiskBlobStore(dir.Path);
        var writer = new ParquetLakeWriter(store, new ParquetLakeOptions { RowGroupRows = 100 });
        await writer.AppendAsync(records, [], default);
        await writer.FlushAsync(default);
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.Parameters.Add(new DuckDBParameter("glob", Glob(store, "bronze/events/**/*.parquet")));
        command.Parameters.Add(new DuckDBParameter("from", records[250].Event.OccurredAt));

        // Row-group pruning uses the footer statistics: wrong ones would drop matching rows.
        command.CommandText = "SELECT count(*) FROM read_parquet($glob, hive_partitioning = false) WHERE occurred_at >= $from";
        Assert.Equal(750L, Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture));
        command.CommandText = "SELECT count(*) FROM read_parquet($glob, hive_partitioning = false) WHERE landed_at < $from";
        Assert.Equal(250L, Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture));

        command.Parameters.RemoveAt(1);
        command.CommandText = """
            SELECT count(*) FROM parquet_metadata($glob) m
            WHERE m.path_in_schema IN ('occurred_at', 'received_at', 'landed_at')
              AND (m.stats_min::TIMESTAMPTZ < TIMESTAMPTZ '2026-11-25 00:00:00+00' OR m.stats_max::TIMESTAMPTZ > TIMESTAMPTZ '2026-11-27 00:00:00+00')
            """;
        Assert.Equal(0L, Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture));
    }

    [Property(Arbitrary = [typeof(LakeArbitraries)], MaxTest = 15)]
    public void DuckDb_reads_the_same_values_with_exact_decimals_and_utc_times(BronzeRecord[] records)
    {
        if (records.Length == 0)
        {
            return;
        }

        using var dir = new TempDirectory();
        var (store, _) = Write(dir, records).GetAwaiter().GetResult();
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT event_id, kind, epoch_us(occurred_at), epoch_us(received_at), epoch_us(landed_at),
                   sale_amount::VARCHAR, revenue_amount::VARCHAR, payout_amount::VARCHAR, payout_currency,
                   click_id, sub1, user_agent, is_bot, source_position
            FROM read_parquet($glob)
            """;
        command.Parameters.Add(new DuckDBParameter("glob", Glob(store, "bronze/events/**/*.parquet")));
        var seen = new Dictionary<(string, string), object?[]>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var values = new object?[reader.FieldCount];
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
                }

                seen[((string)values[0]!, (string)values[13]!)] = values;
            }
        }

        Assert.Equal(records.Length, seen.Count);
        foreach (var r in records)
        {
            var e = r.Event;
            var row = seen[(e.EventId.ToString("D"), r.Ingestion.Position)];
            Assert.Equal(e.Kind.ToString().ToLowerInvariant(), row[1]);
            Assert.Equal(Micros(e.OccurredAt), row[2]);
            Assert.Equal(Micros(e.ReceivedAt), row[3]);
            Assert.Equal(Micros(r.Ingestion.LandedAt), row[4]);
            Assert.Equal(Dec(e.SaleAmount), Parse(row[5]));
            Assert.Equal(Dec(e.Revenue), Parse(row[6]));
            Assert.Equal(Dec(e.Payout), Parse(row[7]));
            Assert.Equal(e.Payout?.Currency, row[8]);
            Assert.Equal(e.ClickId, row[9]);
            Assert.Equal(e.Sub1, row[10]);
            Assert.Equal(e.UserAgent, row[11]);
            Assert.Equal(e.IsBot, row[12]);
        }
    }

    private static long Micros(DateTimeOffset t) => (t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    private static decimal? Dec(Money? m) => m?.Amount;

    private static decimal? Parse(object? text) => text is string s ? decimal.Parse(s, CultureInfo.InvariantCulture) : null;
}
