using System.Text;
using System.Text.Json;
using Affiliate.Sdk.Medallion;
using Affiliate.Sdk.Medallion.Sql;
using Affiliate.Sdk.Offers;

namespace Affiliate.Sdk.Databricks;

/// <summary>
/// Emits the medallion model as a Lakeflow declarative pipeline (Delta Live Tables) in SQL: bronze as a streaming table
/// over the lake's Parquet through Auto Loader (<c>read_files</c>), the bronze reject rules as expectations that drop the
/// row, rejects kept in their own view, and silver and gold as materialized views of the portable core.
/// </summary>
public static class DatabricksPipelineGenerator
{
    /// <summary>The validated bronze stream the silver views read: bronze rows that pass every expectation.</summary>
    public const string BronzeValid = "bronze_valid";

    /// <summary>Generates the pipeline for an offer catalog and currency settings.</summary>
    /// <param name="options">Lake URL, pipeline name, catalog and schema.</param>
    /// <param name="catalog">The offer catalog, inlined in the conversions view (regenerate when it changes).</param>
    /// <param name="medallion">Report currency and exchange rates, inlined likewise.</param>
    /// <returns>The SQL source and the pipeline settings.</returns>
    /// <exception cref="ArgumentException">An option is missing or not a plain identifier / s3 URL.</exception>
    public static DatabricksPipeline Generate(DatabricksPipelineOptions options, IOfferCatalog catalog, MedallionOptions medallion)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(medallion);
        var lake = LakeUrl(options.LakeUrl);
        SqlIdentifier.ThrowIfInvalid(options.Catalog, "AffiliateSdk:Databricks:Catalog");
        SqlIdentifier.ThrowIfInvalid(options.Schema, "AffiliateSdk:Databricks:Schema");
        if (string.IsNullOrWhiteSpace(options.PipelineName))
        {
            throw new ArgumentException("AffiliateSdk:Databricks:PipelineName is empty.", nameof(options));
        }

        var model = MedallionSqlModel.Create(catalog, medallion, MedallionSqlDialect.Databricks);
        return new DatabricksPipeline(Sql(model, lake), Settings(options));
    }

    private static string Sql(MedallionSqlModel model, string lake)
    {
        var sb = new StringBuilder();
        sb.Append("""
            -- Affiliate.Sdk medallion model as a Lakeflow declarative pipeline (generated; do not edit by hand).
            -- Contract: docs/data-model.md. Times are UTC: the pipeline sets spark.sql.session.timeZone = UTC.

            -- Bronze: every Parquet file the lake writer lands, loaded once by Auto Loader (compacted copies of files
            -- already loaded bring the same events again; silver keeps one survivor per event id).
            CREATE OR REFRESH STREAMING TABLE bronze_events
            COMMENT 'Bronze events as landed in the lake (at-least-once: duplicates expected).'
            AS SELECT event_id, kind, occurred_at, received_at, click_id, offer_id, affiliate_id, campaign_id,
                sub1, sub2, sub3, sub4, sub5, transaction_id, status, sale_amount, sale_currency,
                ip_hash, user_agent, country, referrer, is_bot, schema_version,
                source, source_partition, source_position, landed_at, _metadata.file_path AS bronze_file
            FROM STREAM read_files(

            """);
        sb.Append("    ").Append(SqlIdentifier.StringLiteral(lake + "bronze/events/", "AffiliateSdk:Databricks:LakeUrl")).Append(",\n");
        sb.Append("""
                format => 'parquet',
                pathGlobFilter => '*.parquet');

            -- The reject rules of docs/data-model.md as expectations: a row that breaks one is dropped here (and counted in
            -- the pipeline's data-quality metrics); medallion_rejects keeps it with its file and reason.
            CREATE OR REFRESH STREAMING TABLE bronze_valid (

            """);
        var rules = model.BronzeRules;
        for (var i = 0; i < rules.Count; i++)
        {
            sb.Append("    CONSTRAINT ").Append(rules[i].Name).Append(" EXPECT (").Append(rules[i].Condition).Append(") ON VIOLATION DROP ROW")
                .Append(i + 1 < rules.Count ? ",\n" : "\n");
        }

        sb.Append(")\nCOMMENT 'Bronze rows that can be read as an event.'\nAS SELECT * FROM STREAM(bronze_events);\n\n");
        View(sb, MedallionSqlTables.Rejects, "Bronze rows that cannot be read as an event, with the file and the reason.", model.Rejects("bronze_events"));
        View(sb, MedallionSqlTables.SilverEvents, "Every valid event once: earliest occurred_at, then received_at, wins.", model.SilverEvents(BronzeValid, bronzeIsValidated: true));
        View(sb, MedallionSqlTables.SilverImpressions, "Impressions, one row per event id.", model.SilverImpressions);
        View(sb, MedallionSqlTables.SilverClicks, "Clicks, one row per event id, with the visitor key; bots kept and flagged.", model.SilverClicks);
        View(sb, MedallionSqlTables.SilverConversions, "Conversions: attributed within the offer window or kept with a reason; one per (offer, transaction id).", model.SilverConversions);
        View(sb, MedallionSqlTables.GoldHourly, "Gold by UTC hour and dimensions.", model.GoldHourly);
        View(sb, MedallionSqlTables.GoldDaily, "Gold by UTC date and dimensions.", model.GoldDaily);
        return sb.ToString().TrimEnd('\n') + "\n";
    }

    private static void View(StringBuilder sb, string name, string comment, string select)
    {
        sb.Append("CREATE OR REFRESH MATERIALIZED VIEW ").Append(name).Append('\n');
        sb.Append("COMMENT ").Append(SqlIdentifier.StringLiteral(comment, name)).Append('\n');
        sb.Append("AS\n").Append(select).Append(";\n\n");
    }

    private static string Settings(DatabricksPipelineOptions options)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("name", options.PipelineName);
            json.WriteString("catalog", options.Catalog);
            json.WriteString("schema", options.Schema);
            json.WriteBoolean("continuous", options.Continuous);
            json.WriteString("channel", "CURRENT");
            json.WriteStartArray("libraries");
            json.WriteStartObject();
            json.WriteStartObject("file");
            json.WriteString("path", DatabricksPipeline.SqlFileName);
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteStartObject("configuration");

            // Hours and dates of gold are UTC; money must not lose scale in DECIMAL multiplication.
            json.WriteString("spark.sql.session.timeZone", "UTC");
            json.WriteString("spark.sql.decimalOperations.allowPrecisionLoss", "false");
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()).Replace("\r\n", "\n", StringComparison.Ordinal) + "\n";
    }

    private static string LakeUrl(string? url)
    {
        if (string.IsNullOrWhiteSpace(url) || !Uri.TryCreate(url, UriKind.Absolute, out var uri)
            || uri.Scheme is not ("s3" or "s3a" or "abfss" or "gs" or "dbfs") || url.Any(c => c is '\'' or '"' or '\\' || char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw new ArgumentException(
                $"AffiliateSdk:Databricks:LakeUrl is '{url}': expected the lake root as an s3://, s3a://, abfss://, gs:// or dbfs:/ URL.", nameof(url));
        }

        return url.EndsWith('/') ? url : url + "/";
    }
}
