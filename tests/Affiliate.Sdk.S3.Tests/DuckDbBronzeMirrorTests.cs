using Affiliate.Sdk.DuckDb;
using Affiliate.Sdk.DuckDb.Tests;
using Affiliate.Sdk.Medallion;
using Affiliate.Sdk.Testing;
using FsCheck.Fluent;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.S3.Tests;

/// <summary>The DuckDB engine reading bronze from the lake store (S3) through its local cache.</summary>
[Collection(S3ServerGroup.Name)]
public sealed class DuckDbBronzeMirrorTests(S3rverFixture s3) : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "affiliate-s3-duckdb-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [S3Fact]
    public async Task Merged_bronze_files_leave_the_cache_and_are_not_fetched_again()
    {
        using var lake = new S3BlobStore(s3.Options());
        var cache = Path.Combine(_root, "cache");
        var options = new DuckDbMedallionOptions { BronzeSource = DuckDbBronzeSource.BlobStore, StateDirectory = Path.Combine(_root, "state"), BronzeCacheDirectory = cache, Threads = 1 };
        var medallion = AffiliateGenerators.CreateMedallionOptions();
        using var engine = new DuckDbMedallionEngine(Options.Create(options), Options.Create(medallion), AffiliateGenerators.Catalog, bronzeStore: lake);
        var events = AffiliateGenerators.EventSet.Sample(30, 1).First();

        var files = await BronzeFiles.WriteAsync(lake, events, default);
        var first = await engine.RunAsync(default);
        var second = await engine.RunAsync(default);

        Assert.Equal(files.Count, first.BronzeFilesProcessed);
        Assert.Equal(0, second.BronzeFilesProcessed);
        Assert.Empty(Directory.Exists(cache) ? Directory.EnumerateFiles(cache, "*", SearchOption.AllDirectories) : []);
        var expected = ReferenceGold.Compute(events, AffiliateGenerators.Catalog, medallion).Hourly;
        var gold = EngineState.Gold(options, GoldGrain.Hour);
        Assert.Equal(expected.Count, gold.Count);
        Assert.All(expected, row => Assert.Equal(row.Value, gold[row.Key]));
    }

    [Fact]
    public void Blob_store_source_without_a_store_names_the_setting()
    {
        var options = new DuckDbMedallionOptions { BronzeSource = DuckDbBronzeSource.BlobStore, StateDirectory = Path.Combine(_root, "state") };

        var error = Assert.Throws<InvalidOperationException>(() =>
            new DuckDbMedallionEngine(Options.Create(options), Options.Create(new MedallionOptions()), AffiliateGenerators.Catalog));

        Assert.Contains("AffiliateSdk:DuckDb:BronzeSource", error.Message, StringComparison.Ordinal);
    }
}
