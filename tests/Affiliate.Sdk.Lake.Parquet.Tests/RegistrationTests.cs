using Affiliate.Sdk.DependencyInjection;
using Affiliate.Sdk.Pipeline;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.Lake.Parquet.Tests;

public sealed class RegistrationTests
{
    private static readonly string Secret = Convert.ToBase64String(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());

    private static ServiceProvider Build(Dictionary<string, string?> settings, Action<ParquetLakeOptions>? configure = null)
    {
        settings["AffiliateSdk:ClickIds:ActiveKeyId"] = "1";
        settings["AffiliateSdk:ClickIds:Keys:0:Id"] = "1";
        settings["AffiliateSdk:ClickIds:Keys:0:Secret"] = Secret;
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddLogging();
        services.AddAffiliateSdk().AddParquetLake(configure);
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task The_lake_binds_from_configuration_and_registers_store_writer_reader_compactor_and_worker()
    {
        using var dir = new TempDirectory();
        await using var sp = Build(new() { ["AffiliateSdk:Lake:Root"] = dir.Path, ["AffiliateSdk:Lake:MaxRowsPerFile"] = "500" });

        sp.GetRequiredService<IStartupValidator>().Validate();
        var options = sp.GetRequiredService<IOptions<ParquetLakeOptions>>().Value;
        Assert.Equal(500, options.MaxRowsPerFile);
        var store = Assert.IsType<LocalDiskBlobStore>(sp.GetRequiredService<IBlobStore>());
        Assert.Equal(Path.GetFullPath(dir.Path), store.RootPath);
        Assert.IsType<ParquetLakeWriter>(sp.GetRequiredService<ILakeWriter>());
        Assert.NotNull(sp.GetRequiredService<BronzeReader>());
        Assert.NotNull(sp.GetRequiredService<LakeCompactor>());
        var services = new ServiceCollection();
        services.AddAffiliateSdk().AddParquetLake().AddParquetLake();
        Assert.Single(services, d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(StreamToLakeWorker));
    }

    [Fact]
    public void Invalid_lake_options_fail_at_start_naming_the_setting()
    {
        using var sp = Build(new()
        {
            ["AffiliateSdk:Lake:Root"] = " ",
            ["AffiliateSdk:Lake:MaxRowsPerFile"] = "0",
            ["AffiliateSdk:Lake:TargetFileBytes"] = "10",
        });

        var message = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IStartupValidator>().Validate()).Message;

        Assert.Contains("AffiliateSdk:Lake:Root", message, StringComparison.Ordinal);
        Assert.Contains("AffiliateSdk:Lake:MaxRowsPerFile", message, StringComparison.Ordinal);
        Assert.Contains("AffiliateSdk:Lake:TargetFileBytes", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Code_configuration_overrides_the_section()
    {
        using var sp = Build(new() { ["AffiliateSdk:Lake:RowGroupRows"] = "1000" }, o => o.RowGroupRows = 2000);

        Assert.Equal(2000, sp.GetRequiredService<IOptions<ParquetLakeOptions>>().Value.RowGroupRows);
    }
}
