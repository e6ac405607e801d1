using System.Globalization;
using System.Text;
using Affiliate.Sdk.Medallion;
using Affiliate.Sdk.Medallion.Sql;
using Affiliate.Sdk.Offers;

namespace Affiliate.Sdk.Snowflake.Ddl;

/// <summary>
/// The medallion model as Snowflake DDL: a Parquet file format, an external stage on the lake (through a storage
/// integration), the bronze table, a Snowpipe that auto-ingests every new bronze file, and silver and gold as dynamic
/// tables over the portable SQL core. Every statement is idempotent, so the script can be applied again after a change.
/// </summary>
public sealed class SnowflakeModelScript
{
    private SnowflakeModelScript(IReadOnlyList<string> statements)
    {
        Statements = statements;
        var sb = new StringBuilder();
        sb.Append("-- Affiliate.Sdk medallion model on Snowflake (generated; review, then apply in order).\n");
        sb.Append("-- Contract: docs/data-model.md. Deployment: docs/scaling-out.md.\n\n");
        foreach (var statement in statements)
        {
            sb.Append(statement).Append(";\n\n");
        }

        Text = sb.ToString().TrimEnd('\n') + "\n";
    }

    /// <summary>The statements, in the order they must run (each without a trailing semicolon).</summary>
    public IReadOnlyList<string> Statements { get; }

    /// <summary>The whole script for review: a header and every statement ended by a semicolon.</summary>
    public string Text { get; }

    /// <summary>Generates the script.</summary>
    /// <param name="options">Database, schema, warehouse, storage integration, lake URL and target lag.</param>
    /// <param name="catalog">The offer catalog, inlined in silver_conversions (apply again when it changes).</param>
    /// <param name="medallion">Report currency and exchange rates, inlined likewise.</param>
    /// <returns>The script.</returns>
    /// <exception cref="ArgumentException">A name is not a plain identifier, the URL is not a stage URL, or the lag is under a minute.</exception>
    public static SnowflakeModelScript Generate(SnowflakeModelOptions options, IOfferCatalog catalog, MedallionOptions medallion)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(medallion);
        const string Section = "AffiliateSdk:Snowflake:Model:";
        SqlIdentifier.ThrowIfInvalid(options.Database, Section + nameof(options.Database));
        SqlIdentifier.ThrowIfInvalid(options.Schema, Section + nameof(options.Schema));
        SqlIdentifier.ThrowIfInvalid(options.Warehouse, Section + nameof(options.Warehouse));
        SqlIdentifier.ThrowIfInvalid(options.StorageIntegration, Section + nameof(options.StorageIntegration));
        SqlIdentifier.ThrowIfInvalid(options.FileFormatName, Section + nameof(options.FileFormatName));
        SqlIdentifier.ThrowIfInvalid(options.StageName, Section + nameof(options.StageName));
        SqlIdentifier.ThrowIfInvalid(options.PipeName, Section + nameof(options.PipeName));
        var lake = LakeUrl(options.LakeUrl, Section + nameof(options.LakeUrl));
        var lag = TargetLag(options.TargetLag, Section + nameof(options.TargetLag));

        var model = MedallionSqlModel.Create(catalog, medallion, MedallionSqlDialect.Snowflake, options.Database + "." + options.Schema);
        var format = model.Qualify(options.FileFormatName);
        var stage = model.Qualify(options.StageName);
        var bronze = model.Qualify(MedallionSqlTables.BronzeEvents);

        var statements = new List<string>
        {
            $"CREATE FILE FORMAT IF NOT EXISTS {format}\n    TYPE = PARQUET\n    USE_LOGICAL_TYPE = TRUE\n    COMMENT = 'Affiliate.Sdk lake Parquet (bronze_events/1)'",
            $"CREATE STAGE IF NOT EXISTS {stage}\n    URL = {SqlIdentifier.StringLiteral(lake, Section + "LakeUrl")}\n    STORAGE_INTEGRATION = {options.StorageIntegration}\n    FILE_FORMAT = (FORMAT_NAME = '{format}')\n    COMMENT = 'Affiliate.Sdk lake root'",
            $"""
            CREATE TABLE IF NOT EXISTS {bronze} (
                event_id VARCHAR, kind VARCHAR, occurred_at TIMESTAMP_NTZ(6), received_at TIMESTAMP_NTZ(6),
                click_id VARCHAR, offer_id VARCHAR, affiliate_id VARCHAR, campaign_id VARCHAR,
                sub1 VARCHAR, sub2 VARCHAR, sub3 VARCHAR, sub4 VARCHAR, sub5 VARCHAR,
                transaction_id VARCHAR, status VARCHAR, sale_amount NUMBER(18,6), sale_currency VARCHAR,
                revenue_amount NUMBER(18,6), revenue_currency VARCHAR, payout_amount NUMBER(18,6), payout_currency VARCHAR,
                ip_hash VARCHAR, user_agent VARCHAR, country VARCHAR, referrer VARCHAR, is_bot BOOLEAN, schema_version INTEGER,
                source VARCHAR, source_partition VARCHAR, source_position VARCHAR, landed_at TIMESTAMP_NTZ(6),
                bronze_file VARCHAR)
                CHANGE_TRACKING = TRUE
                COMMENT = 'Bronze events as landed in the lake (at-least-once: duplicates expected; times are UTC)'
            """,
            $"""
            CREATE PIPE IF NOT EXISTS {model.Qualify(options.PipeName)}
                AUTO_INGEST = TRUE
                COMMENT = 'Loads every new bronze Parquet file of the lake'
                AS COPY INTO {bronze}
                FROM @{stage}/bronze/events/
                FILE_FORMAT = (FORMAT_NAME = '{format}')
                MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE
                INCLUDE_METADATA = (bronze_file = METADATA$FILENAME)
                PATTERN = '.*[.]parquet'
            """,
            DynamicTable(model, MedallionSqlTables.Rejects, lag, options.Warehouse, model.Rejects(bronze)),
            DynamicTable(model, MedallionSqlTables.SilverEvents, "DOWNSTREAM", options.Warehouse, model.SilverEvents(bronze)),
            DynamicTable(model, MedallionSqlTables.SilverImpressions, "DOWNSTREAM", options.Warehouse, model.SilverImpressions),
            DynamicTable(model, MedallionSqlTables.SilverClicks, "DOWNSTREAM", options.Warehouse, model.SilverClicks),
            DynamicTable(model, MedallionSqlTables.SilverConversions, "DOWNSTREAM", options.Warehouse, model.SilverConversions),
            DynamicTable(model, MedallionSqlTables.GoldHourly, lag, options.Warehouse, model.GoldHourly),
            DynamicTable(model, MedallionSqlTables.GoldDaily, lag, options.Warehouse, model.GoldDaily),
        };

        return new SnowflakeModelScript(statements);
    }

    private static string DynamicTable(MedallionSqlModel model, string name, string lag, string warehouse, string select) =>
        $"CREATE OR ALTER DYNAMIC TABLE {model.Qualify(name)}\n    TARGET_LAG = {lag}\n    WAREHOUSE = {warehouse}\nAS\n{select}";

    private static string TargetLag(TimeSpan lag, string setting)
    {
        if (lag < TimeSpan.FromMinutes(1) || lag.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            throw new ArgumentException($"{setting} is {lag}: Snowflake needs a target lag of at least one minute, in whole seconds.", setting);
        }

        var (value, unit) = lag.Ticks % TimeSpan.TicksPerDay == 0 ? (lag.TotalDays, "days")
            : lag.Ticks % TimeSpan.TicksPerHour == 0 ? (lag.TotalHours, "hours")
            : lag.Ticks % TimeSpan.TicksPerMinute == 0 ? (lag.TotalMinutes, "minutes")
            : (lag.TotalSeconds, "seconds");
        return string.Create(CultureInfo.InvariantCulture, $"'{(long)value} {unit}'");
    }

    private static string LakeUrl(string? url, string setting)
    {
        if (string.IsNullOrWhiteSpace(url) || !Uri.TryCreate(url, UriKind.Absolute, out var uri)
            || uri.Scheme is not ("s3" or "gcs" or "azure") || string.IsNullOrEmpty(uri.Host)
            || url.Any(c => c is '\'' or '"' or '\\' || char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw new ArgumentException($"{setting} is '{url}': expected the lake root as an s3://, gcs:// or azure:// URL.", setting);
        }

        return url.EndsWith('/') ? url : url + "/";
    }
}
