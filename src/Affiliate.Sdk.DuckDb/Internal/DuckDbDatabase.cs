using System.Data.Common;
using System.Globalization;
using DuckDB.NET.Data;

namespace Affiliate.Sdk.DuckDb.Internal;

/// <summary>
/// Opens connections to the engine's database file. DuckDB.NET shares one database instance per file within the
/// process, so the engine and the report clients see the same data with snapshot isolation.
/// </summary>
internal static class DuckDbDatabase
{
    /// <summary>Tables holding the medallion state. Column comments live in docs/duckdb.md.</summary>
    private const string SchemaSql = """
        CREATE TABLE IF NOT EXISTS bronze_files (
            path VARCHAR NOT NULL, run_id BIGINT NOT NULL, row_count BIGINT, processed_at TIMESTAMPTZ NOT NULL);
        CREATE TABLE IF NOT EXISTS medallion_runs (
            run_id BIGINT NOT NULL, started_at TIMESTAMPTZ NOT NULL, finished_at TIMESTAMPTZ NOT NULL,
            files INTEGER NOT NULL, bronze_rows BIGINT NOT NULL, changed_events BIGINT NOT NULL,
            gold_partitions INTEGER NOT NULL, freshness TIMESTAMPTZ);
        CREATE TABLE IF NOT EXISTS medallion_rejects (
            path VARCHAR NOT NULL, event_id VARCHAR, reason VARCHAR NOT NULL, run_id BIGINT NOT NULL);
        CREATE TABLE IF NOT EXISTS silver_impressions (
            event_id UUID NOT NULL, occurred_at TIMESTAMPTZ NOT NULL, received_at TIMESTAMPTZ NOT NULL,
            offer_id VARCHAR, affiliate_id VARCHAR, campaign_id VARCHAR,
            sub1 VARCHAR, sub2 VARCHAR, sub3 VARCHAR, sub4 VARCHAR, sub5 VARCHAR, country VARCHAR);
        CREATE TABLE IF NOT EXISTS silver_clicks (
            event_id UUID NOT NULL, click_id VARCHAR, occurred_at TIMESTAMPTZ NOT NULL, received_at TIMESTAMPTZ NOT NULL,
            offer_id VARCHAR, affiliate_id VARCHAR, campaign_id VARCHAR,
            sub1 VARCHAR, sub2 VARCHAR, sub3 VARCHAR, sub4 VARCHAR, sub5 VARCHAR, country VARCHAR,
            visitor_key VARCHAR NOT NULL, is_bot BOOLEAN NOT NULL);
        CREATE TABLE IF NOT EXISTS silver_conversion_events (
            event_id UUID NOT NULL, click_id VARCHAR, occurred_at TIMESTAMPTZ NOT NULL, received_at TIMESTAMPTZ NOT NULL,
            offer_id VARCHAR, transaction_id VARCHAR, status VARCHAR NOT NULL,
            sale_amount DECIMAL(18,6), sale_currency VARCHAR,
            click_event_id UUID, attribution_reason VARCHAR, dedup_key VARCHAR);
        CREATE TABLE IF NOT EXISTS silver_conversions (
            event_id UUID NOT NULL, dedup_key VARCHAR NOT NULL, occurred_at TIMESTAMPTZ NOT NULL, received_at TIMESTAMPTZ NOT NULL,
            transaction_id VARCHAR, click_id VARCHAR, click_event_id UUID, status VARCHAR NOT NULL,
            offer_id VARCHAR, affiliate_id VARCHAR, campaign_id VARCHAR,
            sub1 VARCHAR, sub2 VARCHAR, sub3 VARCHAR, sub4 VARCHAR, sub5 VARCHAR, country VARCHAR,
            revenue DECIMAL(38,6) NOT NULL, payout DECIMAL(38,6) NOT NULL, reason VARCHAR);
        CREATE TABLE IF NOT EXISTS gold_hourly (
            hour TIMESTAMPTZ NOT NULL,
            affiliate_id VARCHAR, offer_id VARCHAR, campaign_id VARCHAR,
            sub1 VARCHAR, sub2 VARCHAR, sub3 VARCHAR, sub4 VARCHAR, sub5 VARCHAR, country VARCHAR,
            impressions BIGINT NOT NULL, clicks BIGINT NOT NULL, unique_clicks BIGINT NOT NULL, bot_clicks BIGINT NOT NULL,
            conversions BIGINT NOT NULL, pending_conversions BIGINT NOT NULL, rejected_conversions BIGINT NOT NULL,
            revenue DECIMAL(38,6) NOT NULL, payout DECIMAL(38,6) NOT NULL);
        CREATE TABLE IF NOT EXISTS gold_daily (
            day DATE NOT NULL,
            affiliate_id VARCHAR, offer_id VARCHAR, campaign_id VARCHAR,
            sub1 VARCHAR, sub2 VARCHAR, sub3 VARCHAR, sub4 VARCHAR, sub5 VARCHAR, country VARCHAR,
            impressions BIGINT NOT NULL, clicks BIGINT NOT NULL, unique_clicks BIGINT NOT NULL, bot_clicks BIGINT NOT NULL,
            conversions BIGINT NOT NULL, pending_conversions BIGINT NOT NULL, rejected_conversions BIGINT NOT NULL,
            revenue DECIMAL(38,6) NOT NULL, payout DECIMAL(38,6) NOT NULL);
        CREATE TABLE IF NOT EXISTS gold_hourly_affiliate_offer (
            hour TIMESTAMPTZ NOT NULL, affiliate_id VARCHAR, offer_id VARCHAR,
            impressions BIGINT NOT NULL, clicks BIGINT NOT NULL, unique_clicks BIGINT NOT NULL, bot_clicks BIGINT NOT NULL,
            conversions BIGINT NOT NULL, pending_conversions BIGINT NOT NULL, rejected_conversions BIGINT NOT NULL,
            revenue DECIMAL(38,6) NOT NULL, payout DECIMAL(38,6) NOT NULL);
        CREATE TABLE IF NOT EXISTS gold_daily_affiliate_offer (
            day DATE NOT NULL, affiliate_id VARCHAR, offer_id VARCHAR,
            impressions BIGINT NOT NULL, clicks BIGINT NOT NULL, unique_clicks BIGINT NOT NULL, bot_clicks BIGINT NOT NULL,
            conversions BIGINT NOT NULL, pending_conversions BIGINT NOT NULL, rejected_conversions BIGINT NOT NULL,
            revenue DECIMAL(38,6) NOT NULL, payout DECIMAL(38,6) NOT NULL);
        """;

    private static readonly Lock InitLock = new();

    /// <summary>Opens a connection (creating the directory, the file and the tables when missing) with the session in UTC.</summary>
    /// <param name="options">Where the database lives and DuckDB's limits.</param>
    /// <param name="ensureSchema">Check for (and create) the tables; callers holding another open connection skip it.</param>
    public static DuckDBConnection Open(DuckDbMedallionOptions options, bool ensureSchema = true)
    {
        var path = options.DatabasePath;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var builder = new DbConnectionStringBuilder { ["DataSource"] = path };
        if (!string.IsNullOrWhiteSpace(options.MemoryLimit))
        {
            builder["memory_limit"] = options.MemoryLimit;
        }

        if (options.Threads is { } threads)
        {
            builder["threads"] = threads.ToString(CultureInfo.InvariantCulture);
        }

        var connection = new DuckDBConnection(builder.ConnectionString);
        try
        {
            connection.Open();

            // Periods are UTC hours and dates: casts and date_trunc on TIMESTAMPTZ follow the session zone.
            Execute(connection, "SET TimeZone = 'UTC';");
            // The file may be new, or deleted and recreated while the process runs: check, then create under a lock.
            if (ensureSchema && !HasSchema(connection))
            {
                lock (InitLock)
                {
                    if (!HasSchema(connection))
                    {
                        Execute(connection, SchemaSql);
                    }
                }
            }

            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static bool HasSchema(DuckDBConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main' AND table_name = 'gold_hourly_affiliate_offer'";
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) > 0;
    }

    /// <summary>Runs constant SQL text (no user input).</summary>
    public static void Execute(DuckDBConnection connection, string constantSql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = constantSql;
        command.ExecuteNonQuery();
    }
}
