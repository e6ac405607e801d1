using Affiliate.Sdk.PortableCore.Tests;
using Affiliate.Sdk.Snowflake.Ddl;

namespace Affiliate.Sdk.Snowflake.Tests;

public sealed class DdlScriptTests
{
    private static SnowflakeModelOptions Options() => new()
    {
        Database = "ANALYTICS",
        Schema = "AFFILIATE",
        Warehouse = "TRANSFORM_WH",
        StorageIntegration = "AFFILIATE_LAKE_INT",
        LakeUrl = "s3://example-lake/affiliate",
        TargetLag = TimeSpan.FromMinutes(5),
    };

    private static SnowflakeModelScript Generate(SnowflakeModelOptions? options = null) =>
        SnowflakeModelScript.Generate(options ?? Options(), AffiliateGenerators.Catalog, AffiliateGenerators.CreateMedallionOptions());

    [Fact]
    public async Task The_generated_model_is_applied_through_the_sql_api_statement_by_statement_in_order()
    {
        var script = Generate();
        await using var server = await FakeSnowflake.StartAsync();
        server.Handler = _ => new FakeResponse(200, Shapes.ResultSet([Shapes.Column("status", "text")], [["Statement executed successfully."]]));
        using var client = server.Client();

        var applied = await client.ApplyAsync(script.Statements, CancellationToken.None);

        Assert.Equal(script.Statements.Count, applied);
        Assert.Equal(script.Statements, server.Requests.Where(r => r.IsSubmit).Select(r => r.Json.GetProperty("statement").GetString()));
    }

    [Fact]
    public void The_reviewable_script_text_splits_into_the_same_statements()
    {
        var script = Generate();

        var split = SnowflakeScript.Split(script.Text);

        Assert.Equal(script.Statements.Count, split.Count);
        for (var i = 0; i < split.Count; i++)
        {
            Assert.EndsWith(script.Statements[i].Trim(), split[i].Trim(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Generated_script_matches_the_golden_file() =>
        GoldenFile.AssertMatches(Generate().Text, "snowflake-model.sql");

    [Fact]
    public void Statements_run_in_dependency_order_format_stage_bronze_pipe_then_dynamic_tables()
    {
        var heads = Generate().Statements.Select(s => s[..s.IndexOf('\n', StringComparison.Ordinal)]).ToList();
        Assert.Equal(
        [
            "CREATE FILE FORMAT IF NOT EXISTS ANALYTICS.AFFILIATE.AFFILIATE_PARQUET",
            "CREATE STAGE IF NOT EXISTS ANALYTICS.AFFILIATE.AFFILIATE_LAKE",
            "CREATE TABLE IF NOT EXISTS ANALYTICS.AFFILIATE.bronze_events (",
            "CREATE PIPE IF NOT EXISTS ANALYTICS.AFFILIATE.AFFILIATE_BRONZE_PIPE",
            "CREATE OR ALTER DYNAMIC TABLE ANALYTICS.AFFILIATE.medallion_rejects",
            "CREATE OR ALTER DYNAMIC TABLE ANALYTICS.AFFILIATE.silver_events",
            "CREATE OR ALTER DYNAMIC TABLE ANALYTICS.AFFILIATE.silver_impressions",
            "CREATE OR ALTER DYNAMIC TABLE ANALYTICS.AFFILIATE.silver_clicks",
            "CREATE OR ALTER DYNAMIC TABLE ANALYTICS.AFFILIATE.silver_conversions",
            "CREATE OR ALTER DYNAMIC TABLE ANALYTICS.AFFILIATE.gold_hourly",
            "CREATE OR ALTER DYNAMIC TABLE ANALYTICS.AFFILIATE.gold_daily",
        ], heads);
    }

    [Fact]
    public void Every_statement_is_idempotent_and_has_no_trailing_semicolon()
    {
        foreach (var statement in Generate().Statements)
        {
            Assert.True(
                statement.Contains(" IF NOT EXISTS ", StringComparison.Ordinal) || statement.StartsWith("CREATE OR ALTER ", StringComparison.Ordinal),
                statement[..60]);
            Assert.False(statement.TrimEnd().EndsWith(';'), statement[..60]);
        }
    }

    [Fact]
    public void Snowpipe_auto_ingests_bronze_files_by_column_name_with_the_file_recorded()
    {
        var pipe = Generate().Statements[3];
        Assert.Contains("AUTO_INGEST = TRUE", pipe, StringComparison.Ordinal);
        Assert.Contains("FROM @ANALYTICS.AFFILIATE.AFFILIATE_LAKE/bronze/events/", pipe, StringComparison.Ordinal);
        Assert.Contains("MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE", pipe, StringComparison.Ordinal);
        Assert.Contains("INCLUDE_METADATA = (bronze_file = METADATA$FILENAME)", pipe, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, "'1 minutes'")]
    [InlineData(90, "'90 minutes'")]
    [InlineData(120, "'2 hours'")]
    [InlineData(1440, "'1 days'")]
    public void Gold_takes_the_configured_target_lag_and_silver_refreshes_downstream(int minutes, string lag)
    {
        var options = Options();
        options.TargetLag = TimeSpan.FromMinutes(minutes);
        var statements = Generate(options).Statements;
        Assert.Contains($"TARGET_LAG = {lag}\n    WAREHOUSE = TRANSFORM_WH", statements[9], StringComparison.Ordinal);
        Assert.Contains("TARGET_LAG = DOWNSTREAM", statements[5], StringComparison.Ordinal);
    }

    [Fact]
    public void A_target_lag_under_a_minute_is_refused_naming_the_setting()
    {
        var options = Options();
        options.TargetLag = TimeSpan.FromSeconds(30);
        var e = Assert.Throws<ArgumentException>(() => Generate(options));
        Assert.Contains("AffiliateSdk:Snowflake:Model:TargetLag", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(nameof(SnowflakeModelOptions.Database), "ANALYTICS; DROP DATABASE PROD")]
    [InlineData(nameof(SnowflakeModelOptions.Schema), "\"AFFILIATE\"")]
    [InlineData(nameof(SnowflakeModelOptions.Warehouse), "WH --")]
    [InlineData(nameof(SnowflakeModelOptions.StorageIntegration), "")]
    [InlineData(nameof(SnowflakeModelOptions.StageName), "1STAGE")]
    [InlineData(nameof(SnowflakeModelOptions.LakeUrl), "s3://lake/x' STORAGE_INTEGRATION = OTHER")]
    [InlineData(nameof(SnowflakeModelOptions.LakeUrl), "https://lake/")]
    public void Names_and_urls_that_could_change_the_statements_are_refused_naming_the_setting(string setting, string value)
    {
        var options = Options();
        typeof(SnowflakeModelOptions).GetProperty(setting)!.SetValue(options, value);
        var e = Assert.Throws<ArgumentException>(() => Generate(options));
        Assert.Contains("AffiliateSdk:Snowflake:Model:" + setting, e.Message, StringComparison.Ordinal);
    }
}
