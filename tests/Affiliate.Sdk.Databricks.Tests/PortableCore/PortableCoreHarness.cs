using System.Globalization;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.Lake.Parquet;
using Affiliate.Sdk.Lake.Parquet.Medallion;
using Affiliate.Sdk.Medallion;
using Affiliate.Sdk.Medallion.Sql;
using Affiliate.Sdk.Offers;
using Affiliate.Sdk.Pipeline;
using DuckDB.NET.Data;

namespace Affiliate.Sdk.PortableCore.Tests;

/// <summary>What the portable SQL produced on DuckDB: gold by grain and silver conversions.</summary>
public sealed record PortableRun(
    IReadOnlyDictionary<GoldKey, GoldMetrics> Hourly,
    IReadOnlyDictionary<GoldKey, GoldMetrics> Daily,
    IReadOnlyList<PortableConversion> Conversions,
    long Rejects);

/// <summary>A silver conversion as the portable SQL keeps it.</summary>
public sealed record PortableConversion(Guid EventId, Guid? ClickEventId, ConversionStatus Status, decimal Revenue, decimal Payout, string? Reason);

/// <summary>
/// Runs the portable medallion SQL of a dialect on DuckDB, in process, over bronze written by the real lake writer, and
/// the in-process engine over the same lake. DuckDB stands in for the warehouse: the few functions of the dialect hook
/// DuckDB does not have (DIV0, try_divide, unix_micros) are defined as macros with the warehouses' exact semantics.
/// </summary>
public sealed class PortableCoreHarness : IDisposable
{
    /// <summary>DuckDB stand-ins for the dialect functions: exact decimal division (12 places, integer arithmetic) and epoch microseconds.</summary>
    public const string DuckDbShims = """
        CREATE OR REPLACE MACRO div0(a, b) AS CAST(
            CAST((CAST(a * 1000000 AS HUGEINT) * CAST('10000000000000000' AS HUGEINT)) // CAST(b * 10000000000 AS HUGEINT) AS DECIMAL(38,0))
            * CAST('0.000000000001' AS DECIMAL(13,12)) AS DECIMAL(38,12));
        CREATE OR REPLACE MACRO try_divide(a, b) AS div0(a, b);
        CREATE OR REPLACE MACRO unix_micros(ts) AS epoch_us(ts);
        CREATE OR REPLACE MACRO regexp_like(s, p) AS regexp_matches(s, p);
        """;

    private int _flushes;

    public PortableCoreHarness()
    {
        Directory.CreateDirectory(LakeRoot);
        Lake = new LocalDiskBlobStore(LakeRoot);
    }

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "affiliate-portable-sql-tests", Guid.NewGuid().ToString("N"));

    public string LakeRoot => Path.Combine(Root, "lake");

    public IBlobStore Lake { get; }

    /// <summary>Writes events to bronze through the real lake writer: one flush, one file per partition.</summary>
    public Task WriteBronzeAsync(IEnumerable<TrackingEvent> events) =>
        BronzeFiles.WriteAsync(Lake, events, new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(Interlocked.Increment(ref _flushes)), CancellationToken.None);

    /// <summary>Writes every batch to bronze, running the in-process engine after each, and returns its gold.</summary>
    public async Task<(IReadOnlyDictionary<GoldKey, GoldMetrics> Hourly, IReadOnlyDictionary<GoldKey, GoldMetrics> Daily)> RunInProcessAsync(
        IEnumerable<IReadOnlyList<TrackingEvent>> batches, IOfferCatalog catalog, MedallionOptions options)
    {
        var engine = new InProcessMedallionEngine(Lake, catalog, options);
        foreach (var batch in batches)
        {
            await WriteBronzeAsync(batch);
            await engine.RunAsync(CancellationToken.None);
        }

        return (await GoldParquet.ReadAsync(Lake, GoldGrain.Hour, CancellationToken.None), await GoldParquet.ReadAsync(Lake, GoldGrain.Day, CancellationToken.None));
    }

    /// <summary>Loads the lake's bronze into DuckDB as the warehouse's bronze table and runs every dataset of the model in order.</summary>
    public PortableRun RunPortableSql(MedallionSqlModel model)
    {
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        Execute(connection, "SET TimeZone = 'UTC'; SET threads = 1;");
        Execute(connection, DuckDbShims);

        using (var load = connection.CreateCommand())
        {
            // The warehouses' bronze: UTC wall-clock timestamps (Snowflake TIMESTAMP_NTZ), the file each row came from.
            load.CommandText = """
                CREATE TABLE bronze_events AS
                SELECT event_id, kind, CAST(occurred_at AS TIMESTAMP) AS occurred_at, CAST(received_at AS TIMESTAMP) AS received_at,
                    click_id, offer_id, affiliate_id, campaign_id, sub1, sub2, sub3, sub4, sub5, transaction_id, status,
                    sale_amount, sale_currency, ip_hash, user_agent, country, is_bot, filename AS bronze_file
                FROM read_parquet($glob, filename = true, hive_partitioning = false)
                """;
            load.Parameters.Add(new DuckDBParameter("glob", Path.Combine(LakeRoot, "bronze", "events", "**", "*.parquet")));
            load.ExecuteNonQuery();
        }

        Execute(connection, $"CREATE TABLE {MedallionSqlTables.Rejects} AS {model.Rejects(MedallionSqlTables.BronzeEvents)}");
        Execute(connection, $"CREATE TABLE {MedallionSqlTables.SilverEvents} AS {model.SilverEvents(MedallionSqlTables.BronzeEvents)}");
        Execute(connection, $"CREATE TABLE {MedallionSqlTables.SilverImpressions} AS {model.SilverImpressions}");
        Execute(connection, $"CREATE TABLE {MedallionSqlTables.SilverClicks} AS {model.SilverClicks}");
        Execute(connection, $"CREATE TABLE {MedallionSqlTables.SilverConversions} AS {model.SilverConversions}");
        Execute(connection, $"CREATE TABLE {MedallionSqlTables.GoldHourly} AS {model.GoldHourly}");
        Execute(connection, $"CREATE TABLE {MedallionSqlTables.GoldDaily} AS {model.GoldDaily}");

        return new PortableRun(
            ReadGold(connection, "SELECT hour, " + GoldColumns + " FROM gold_hourly"),
            ReadGold(connection, "SELECT CAST(day AS TIMESTAMP), " + GoldColumns + " FROM gold_daily"),
            ReadConversions(connection),
            Convert.ToInt64(Scalar(connection, "SELECT count(*) FROM medallion_rejects"), CultureInfo.InvariantCulture));
    }

    /// <summary>Runs the reject rules and silver_events over a bronze table made by the given SQL; returns the rejects and the surviving ids.</summary>
    public static (List<(string? EventId, string Reason)> Rejects, List<string> Survivors) RunOnBronze(MedallionSqlModel model, string createBronze)
    {
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        Execute(connection, "SET TimeZone = 'UTC';");
        Execute(connection, DuckDbShims);
        Execute(connection, createBronze);
        var rejects = new List<(string?, string)>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = $"SELECT event_id, reason FROM ({model.Rejects(MedallionSqlTables.BronzeEvents)}) ORDER BY bronze_file";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                rejects.Add((Str(reader, 0), reader.GetString(1)));
            }
        }

        var survivors = new List<string>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = $"SELECT event_id || '@' || CAST(received_at AS VARCHAR) FROM ({model.SilverEvents(MedallionSqlTables.BronzeEvents)}) ORDER BY 1";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                survivors.Add(reader.GetString(0));
            }
        }

        return (rejects, survivors);
    }

    private const string GoldColumns =
        "affiliate_id, offer_id, campaign_id, sub1, sub2, sub3, sub4, sub5, country, impressions, clicks, unique_clicks, bot_clicks, conversions, pending_conversions, rejected_conversions, revenue, payout";

    private static Dictionary<GoldKey, GoldMetrics> ReadGold(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var gold = new Dictionary<GoldKey, GoldMetrics>();
        while (reader.Read())
        {
            var period = new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(0), DateTimeKind.Utc));
            var key = new GoldKey(period, Str(reader, 1), Str(reader, 2), Str(reader, 3), Str(reader, 4), Str(reader, 5), Str(reader, 6), Str(reader, 7), Str(reader, 8), Str(reader, 9));
            var metrics = new GoldMetrics(
                reader.GetInt64(10), reader.GetInt64(11), reader.GetInt64(12), reader.GetInt64(13), reader.GetInt64(14), reader.GetInt64(15), reader.GetInt64(16),
                reader.GetDecimal(17), reader.GetDecimal(18));
            Assert.True(gold.TryAdd(key, metrics), $"gold has two rows for {key}");
        }

        return gold;
    }

    private static List<PortableConversion> ReadConversions(DuckDBConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT event_id, click_event_id, status, revenue, payout, reason FROM silver_conversions ORDER BY event_id";
        using var reader = command.ExecuteReader();
        var list = new List<PortableConversion>();
        while (reader.Read())
        {
            var status = reader.GetString(2) switch
            {
                "approved" => ConversionStatus.Approved,
                "pending" => ConversionStatus.Pending,
                _ => ConversionStatus.Rejected,
            };
            list.Add(new PortableConversion(
                Guid.Parse(reader.GetString(0)), reader.IsDBNull(1) ? null : Guid.Parse(reader.GetString(1)), status,
                reader.GetDecimal(3), reader.GetDecimal(4), Str(reader, 5)));
        }

        return list;
    }

    private static void Execute(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        try
        {
            command.ExecuteNonQuery();
        }
        catch (DuckDBException e)
        {
            throw new InvalidOperationException($"{e.Message}\n--- SQL ---\n{sql}", e);
        }
    }

    private static object? Scalar(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static string? Str(System.Data.Common.DbDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetString(i);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
