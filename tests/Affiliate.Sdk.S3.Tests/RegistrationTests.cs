using Affiliate.Sdk.DependencyInjection;
using Affiliate.Sdk.Lake.Parquet;
using Affiliate.Sdk.Offers;
using Affiliate.Sdk.Pipeline;
using Affiliate.Sdk.Testing;
using FsCheck.Fluent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.S3.Tests;

[Collection(S3ServerGroup.Name)]
public sealed class RegistrationTests(S3rverFixture s3)
{
    private static readonly string Secret = Convert.ToBase64String(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());

    private static ServiceProvider Build(Dictionary<string, string?> settings, Action<AffiliateSdkBuilder> register)
    {
        settings["AffiliateSdk:ClickIds:ActiveKeyId"] = "1";
        settings["AffiliateSdk:ClickIds:Keys:0:Id"] = "1";
        settings["AffiliateSdk:ClickIds:Keys:0:Secret"] = Secret;
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddLogging();
        register(services.AddAffiliateSdk());
        return services.BuildServiceProvider();
    }

    private Dictionary<string, string?> S3Settings(string prefix) => new()
    {
        ["AffiliateSdk:S3:Bucket"] = S3rverFixture.Bucket,
        ["AffiliateSdk:S3:Prefix"] = prefix,
        ["AffiliateSdk:S3:ServiceUrl"] = s3.ServiceUrl,
        ["AffiliateSdk:S3:ForcePathStyle"] = "true",
        ["AffiliateSdk:S3:AccessKey"] = S3rverFixture.AccessKey,
        ["AffiliateSdk:S3:SecretKey"] = S3rverFixture.SecretKey,
        ["AffiliateSdk:S3:ListPageSize"] = "7",
        ["AffiliateSdk:S3:ChecksumsOnlyWhenRequired"] = "true",
        ["AffiliateSdk:S3:UseChunkEncoding"] = "false",
    };

    [S3Fact]
    public async Task AddS3Lake_after_AddParquetLake_puts_the_lake_writer_and_reader_on_s3()
    {
        var prefix = $"reg/{Guid.NewGuid():N}";
        await using var sp = Build(S3Settings(prefix), sdk => sdk.AddParquetLake().AddS3Lake());

        await WriteAndReadBack(sp, prefix);
    }

    [S3Fact]
    public async Task AddS3Lake_before_AddParquetLake_puts_the_lake_writer_and_reader_on_s3()
    {
        var prefix = $"reg/{Guid.NewGuid():N}";
        await using var sp = Build(S3Settings(prefix), sdk => sdk.AddS3Lake().AddParquetLake());

        await WriteAndReadBack(sp, prefix);
    }

    [S3Fact]
    public async Task DuckDb_engine_bound_to_BlobStore_reads_bronze_from_the_registered_s3_lake()
    {
        var prefix = $"reg/{Guid.NewGuid():N}";
        var state = Path.Combine(Path.GetTempPath(), "affiliate-s3-duckdb-tests", Guid.NewGuid().ToString("N"));
        var settings = S3Settings(prefix);
        settings["AffiliateSdk:DuckDb:BronzeSource"] = "BlobStore";
        settings["AffiliateSdk:DuckDb:StateDirectory"] = state;
        try
        {
            await using var sp = Build(settings, sdk =>
            {
                sdk.Services.AddSingleton<IOfferCatalog>(AffiliateGenerators.Catalog);
                sdk.AddS3Lake().AddDuckDbMedallion();
            });
            sp.GetRequiredService<IStartupValidator>().Validate();
            var events = AffiliateGenerators.EventSet.Sample(30, 1).First();
            var files = await BronzeFiles.WriteAsync(sp.GetRequiredService<IBlobStore>(), events, default);

            var run = await sp.GetRequiredService<IMedallionEngine>().RunAsync(default);

            Assert.Equal(files.Count, run.BronzeFilesProcessed);
            Assert.Equal(events.Length > 0, run.GoldPartitionsWritten > 0);
        }
        finally
        {
            if (Directory.Exists(state))
            {
                Directory.Delete(state, recursive: true);
            }
        }
    }

    private async Task WriteAndReadBack(ServiceProvider sp, string prefix)
    {
        sp.GetRequiredService<IStartupValidator>().Validate();
        var store = Assert.IsType<S3BlobStore>(sp.GetRequiredService<IBlobStore>());
        Assert.Same(store, sp.GetRequiredService<S3BlobStore>());
        Assert.Equal(7, sp.GetRequiredService<IOptions<S3LakeOptions>>().Value.ListPageSize);
        var at = new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);
        var records = Enumerable.Range(0, 20).Select(i => LakeData.Click(i, at.AddSeconds(i))).ToList();

        var writer = sp.GetRequiredService<ILakeWriter>();
        await writer.AppendAsync(records, [], default);
        await writer.FlushAsync(default);

        Assert.NotEmpty(await s3.ObjectKeys(prefix + "/bronze/events/"));
        var back = await LakeData.ToList(sp.GetRequiredService<BronzeReader>().ReadEventsAsync(default));
        Assert.Equal(records.Select(LakeData.Truncated).OrderBy(r => r.Event.EventId), back.OrderBy(r => r.Event.EventId));
        Assert.Single(sp.GetServices<IBlobStore>());
    }

    [Fact]
    public void Invalid_s3_options_fail_at_start_naming_each_setting()
    {
        using var sp = Build(
            new()
            {
                ["AffiliateSdk:S3:Bucket"] = " ",
                ["AffiliateSdk:S3:Prefix"] = "a/../b",
                ["AffiliateSdk:S3:ServiceUrl"] = "ftp://example",
                ["AffiliateSdk:S3:AccessKey"] = "only-the-id",
                ["AffiliateSdk:S3:PartSize"] = "1024",
                ["AffiliateSdk:S3:ListPageSize"] = "5000",
                ["AffiliateSdk:S3:MaxRetries"] = "-1",
            },
            sdk => sdk.AddParquetLake().AddS3Lake());

        var message = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IStartupValidator>().Validate()).Message;

        foreach (var setting in new[] { "Bucket", "Prefix", "ServiceUrl", "AccessKey", "PartSize", "ListPageSize", "MaxRetries" })
        {
            Assert.Contains("AffiliateSdk:S3:" + setting, message, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("only-the-id", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Code_configuration_overrides_bound_settings_and_registering_twice_keeps_one_store()
    {
        using var sp = Build(
            new() { ["AffiliateSdk:S3:Bucket"] = "from-config", ["AffiliateSdk:S3:Region"] = "eu-west-1" },
            sdk => sdk.AddS3Lake(o => o.Prefix = "from-code").AddParquetLake().AddS3Lake());

        sp.GetRequiredService<IStartupValidator>().Validate();
        var options = sp.GetRequiredService<IOptions<S3LakeOptions>>().Value;
        Assert.Equal(("from-config", "from-code", "eu-west-1"), (options.Bucket, options.Prefix, options.Region));
        var store = Assert.IsType<S3BlobStore>(Assert.Single(sp.GetServices<IBlobStore>()));
        Assert.Equal("from-code/", store.Prefix);
    }

    [Fact]
    public void A_store_built_from_invalid_options_is_refused_naming_the_setting()
    {
        var ex = Assert.Throws<ArgumentException>(() => new S3BlobStore(new S3LakeOptions { Bucket = "b", MultipartThreshold = 6 * 1024 * 1024, PartSize = 8 * 1024 * 1024 }));

        Assert.Contains("AffiliateSdk:S3:MultipartThreshold", ex.Message, StringComparison.Ordinal);
    }
}
