using Affiliate.Sdk.DependencyInjection;
using Affiliate.Sdk.Medallion;
using Affiliate.Sdk.Offers;
using Affiliate.Sdk.Pipeline;
using Affiliate.Sdk.Reports;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.DuckDb.Tests;

public sealed class RegistrationTests
{
    private static readonly string Secret = Convert.ToBase64String(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        settings["AffiliateSdk:ClickIds:ActiveKeyId"] = "1";
        settings["AffiliateSdk:ClickIds:Keys:0:Id"] = "1";
        settings["AffiliateSdk:ClickIds:Keys:0:Secret"] = Secret;
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddSingleton<IOfferCatalog>(AffiliateGenerators.Catalog);
        services.AddAffiliateSdk().AddDuckDbMedallion();
        return services.BuildServiceProvider();
    }

    [Fact]
    public void Settings_bind_from_configuration_and_the_engine_report_client_and_worker_are_registered()
    {
        using var workspace = new Workspace();
        using var sp = Build(new()
        {
            ["AffiliateSdk:DuckDb:LakeRoot"] = workspace.Options.LakeRoot,
            ["AffiliateSdk:DuckDb:StateDirectory"] = workspace.Options.StateDirectory,
            ["AffiliateSdk:DuckDb:Interval"] = "00:00:05",
            ["AffiliateSdk:Medallion:ReportCurrency"] = "EUR",
            ["AffiliateSdk:Medallion:ExchangeRates:USD"] = "0.92",
        });

        sp.GetRequiredService<IStartupValidator>().Validate();

        Assert.IsType<DuckDbMedallionEngine>(sp.GetRequiredService<IMedallionEngine>());
        Assert.IsType<DuckDbReportClient>(sp.GetRequiredService<IReportClient>());
        Assert.Contains(sp.GetServices<IHostedService>(), s => s is MedallionWorker);
        Assert.Equal(TimeSpan.FromSeconds(5), sp.GetRequiredService<IOptions<MedallionWorkerOptions>>().Value.Interval);
        var medallion = sp.GetRequiredService<IOptions<MedallionOptions>>().Value;
        Assert.Equal("EUR", medallion.ReportCurrency);
        Assert.Equal(0.92m, medallion.ExchangeRates["usd"]);
    }

    [Fact]
    public void Bad_settings_fail_at_start_naming_each_setting()
    {
        using var sp = Build(new()
        {
            ["AffiliateSdk:DuckDb:LakeRoot"] = " ",
            ["AffiliateSdk:DuckDb:Interval"] = "-00:00:01",
            ["AffiliateSdk:DuckDb:MemoryLimit"] = "lots'; DROP",
            ["AffiliateSdk:Medallion:ReportCurrency"] = "dollars",
            ["AffiliateSdk:Medallion:ExchangeRates:EUR"] = "0",
        });

        var error = Assert.ThrowsAny<Exception>(() => sp.GetRequiredService<IStartupValidator>().Validate());
        var message = error is AggregateException all ? string.Join(" ", all.InnerExceptions.Select(e => e.Message)) : error.Message;

        Assert.Contains("AffiliateSdk:DuckDb:LakeRoot", message, StringComparison.Ordinal);
        Assert.Contains("AffiliateSdk:DuckDb:Interval", message, StringComparison.Ordinal);
        Assert.Contains("AffiliateSdk:DuckDb:MemoryLimit", message, StringComparison.Ordinal);
        Assert.Contains("AffiliateSdk:Medallion:ReportCurrency", message, StringComparison.Ordinal);
        Assert.Contains("AffiliateSdk:Medallion:ExchangeRates:EUR", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_are_the_documented_ones()
    {
        var options = new DuckDbMedallionOptions();

        Assert.Equal("data/lake", options.LakeRoot);
        Assert.Equal("data/duckdb", options.StateDirectory);
        Assert.Equal(TimeSpan.FromSeconds(2), options.Interval);
        Assert.Equal("1GB", options.MemoryLimit);
    }
}
