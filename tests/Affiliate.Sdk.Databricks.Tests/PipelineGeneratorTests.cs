using Affiliate.Sdk.PortableCore.Tests;

namespace Affiliate.Sdk.Databricks.Tests;

public sealed class PipelineGeneratorTests
{
    private static DatabricksPipelineOptions Options() => new() { LakeUrl = "s3://example-lake/affiliate", Catalog = "main", Schema = "affiliate" };

    [Fact]
    public void Generated_pipeline_sql_matches_the_golden_file() =>
        GoldenFile.AssertMatches(Generate().Sql, "medallion.sql");

    [Fact]
    public void Generated_pipeline_settings_match_the_golden_file() =>
        GoldenFile.AssertMatches(Generate().SettingsJson, "pipeline.json");

    [Fact]
    public void Bronze_is_an_auto_loader_streaming_table_and_every_reject_rule_is_an_expectation_that_drops_the_row()
    {
        var sql = Generate().Sql;
        Assert.Contains("CREATE OR REFRESH STREAMING TABLE bronze_events", sql, StringComparison.Ordinal);
        Assert.Contains("FROM STREAM read_files(\n    's3://example-lake/affiliate/bronze/events/'", sql, StringComparison.Ordinal);
        foreach (var rule in new[] { "valid_event_id", "valid_kind", "has_times", "valid_status" })
        {
            Assert.Contains($"CONSTRAINT {rule} EXPECT (", sql, StringComparison.Ordinal);
        }

        Assert.Equal(4, CountOf(sql, "ON VIOLATION DROP ROW"));
        Assert.Equal(7, CountOf(sql, "CREATE OR REFRESH MATERIALIZED VIEW"));
    }

    [Fact]
    public async Task WriteAsync_writes_the_sql_and_the_settings_to_the_directory()
    {
        var directory = Path.Combine(Path.GetTempPath(), "affiliate-databricks-tests", Guid.NewGuid().ToString("N"));
        try
        {
            var pipeline = Generate();
            await pipeline.WriteAsync(directory);
            Assert.Equal(pipeline.Sql, await File.ReadAllTextAsync(Path.Combine(directory, DatabricksPipeline.SqlFileName)));
            Assert.Equal(pipeline.SettingsJson, await File.ReadAllTextAsync(Path.Combine(directory, DatabricksPipeline.SettingsFileName)));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [InlineData("main; DROP TABLE x", "affiliate", "s3://lake/", "AffiliateSdk:Databricks:Catalog")]
    [InlineData("main", "aff`iliate", "s3://lake/", "AffiliateSdk:Databricks:Schema")]
    [InlineData("main", "affiliate", "s3://lake/x'); DROP", "AffiliateSdk:Databricks:LakeUrl")]
    [InlineData("main", "affiliate", "http://lake/", "AffiliateSdk:Databricks:LakeUrl")]
    public void Names_and_urls_that_could_change_the_sql_are_refused_naming_the_setting(string catalog, string schema, string url, string setting)
    {
        var e = Assert.Throws<ArgumentException>(() => DatabricksPipelineGenerator.Generate(
            new DatabricksPipelineOptions { Catalog = catalog, Schema = schema, LakeUrl = url }, AffiliateGenerators.Catalog, AffiliateGenerators.CreateMedallionOptions()));
        Assert.Contains(setting, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Offer_ids_with_backslashes_are_refused_rather_than_read_differently_by_engines()
    {
        var catalog = new TestOfferCatalog(TestOfferCatalog.Flat("bad\\id", 1m, 1m));
        var e = Assert.Throws<ArgumentException>(() => DatabricksPipelineGenerator.Generate(Options(), catalog, AffiliateGenerators.CreateMedallionOptions()));
        Assert.Contains("bad\\id", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Quotes_in_offer_ids_are_doubled_in_the_inline_catalog()
    {
        var sql = DatabricksPipelineGenerator.Generate(Options(), new TestOfferCatalog(TestOfferCatalog.Flat("o'1", 1m, 1m)), AffiliateGenerators.CreateMedallionOptions()).Sql;
        Assert.Contains("('o''1', 'USD', CAST(2592000000000 AS BIGINT), 1, CAST(1 AS DECIMAL(18,10)), 1, CAST(1 AS DECIMAL(18,10)))", sql, StringComparison.Ordinal);
    }

    private static DatabricksPipeline Generate() => DatabricksPipelineGenerator.Generate(Options(), AffiliateGenerators.Catalog, AffiliateGenerators.CreateMedallionOptions());

    private static int CountOf(string text, string value) => (text.Length - text.Replace(value, string.Empty, StringComparison.Ordinal).Length) / value.Length;
}
