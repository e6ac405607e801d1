using Affiliate.Sdk.DependencyInjection;
using Affiliate.Sdk.Lake.Parquet.Medallion;
using Affiliate.Sdk.Medallion;
using Affiliate.Sdk.Offers;
using Affiliate.Sdk.Pipeline;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.Lake.Parquet.Tests.Medallion;

public sealed class InProcessMedallionRegistrationTests : IDisposable
{
    private static readonly string Secret = Convert.ToBase64String(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private ServiceProvider Build(Dictionary<string, string?> settings, Action<AffiliateSdkBuilder>? more = null)
    {
        settings["AffiliateSdk:ClickIds:ActiveKeyId"] = "1";
        settings["AffiliateSdk:ClickIds:Keys:0:Id"] = "1";
        settings["AffiliateSdk:ClickIds:Keys:0:Secret"] = Secret;
        settings["AffiliateSdk:Lake:Root"] = _dir.Path;
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddSingleton<IOfferCatalog>(TestCatalog.Create());
        var builder = services.AddAffiliateSdk().AddParquetLake().AddInProcessMedallion();
        more?.Invoke(builder);
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task The_engine_resolves_with_options_and_exchange_rates_from_configuration()
    {
        var sp = Build(new()
        {
            ["AffiliateSdk:InProcessMedallion:StatePrefix"] = "_state/custom/",
            ["AffiliateSdk:Medallion:ReportCurrency"] = "EUR",
            ["AffiliateSdk:Medallion:ExchangeRates:USD"] = "0.92",
        });
        await using var scope = sp.ConfigureAwait(false);

        sp.GetRequiredService<IStartupValidator>().Validate();
        var engine = Assert.IsType<InProcessMedallionEngine>(sp.GetRequiredService<IMedallionEngine>());
        var medallion = sp.GetRequiredService<IOptions<MedallionOptions>>().Value;

        Assert.Equal("EUR", medallion.ReportCurrency);
        Assert.Equal(0.92m, medallion.ExchangeRates["USD"]);
        Assert.Equal("_state/custom/", sp.GetRequiredService<IOptions<InProcessMedallionOptions>>().Value.StatePrefix);
        var writer = sp.GetRequiredService<ILakeWriter>();
        var at = MedallionGenerators.T0;
        var click = new Events.TrackingEvent { EventId = Guid.CreateVersion7(at), Kind = Events.EventKind.Click, OccurredAt = at, ReceivedAt = at, ClickId = "k", OfferId = "o1", AffiliateId = "a" };
        await writer.AppendAsync([new BronzeRecord(click, new IngestionInfo("s", "0", "1", at))], [], default);
        await writer.FlushAsync(default);

        Assert.Equal(1, (await engine.RunAsync(default)).BronzeFilesProcessed);
        Assert.True(File.Exists(Path.Combine(_dir.Path, "_state", "custom", "manifest.json")));
    }

    [Fact]
    public void Invalid_settings_fail_at_start_naming_the_setting()
    {
        using var sp = Build(new()
        {
            ["AffiliateSdk:InProcessMedallion:StatePrefix"] = "../outside",
            ["AffiliateSdk:InProcessMedallion:MaxBronzeFilesPerRun"] = "-1",
        });

        var message = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IStartupValidator>().Validate()).Message;

        Assert.Contains("AffiliateSdk:InProcessMedallion:StatePrefix", message, StringComparison.Ordinal);
        Assert.Contains("AffiliateSdk:InProcessMedallion:MaxBronzeFilesPerRun", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Medallion_options_bind_once_when_registered_twice()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AffiliateSdk:Medallion:ExchangeRates:EUR"] = "1.08",
        }).Build());

        services.AddAffiliateSdk().AddInProcessMedallion().AddInProcessMedallion(o => o.RowGroupRows = 10);
        using var sp = services.BuildServiceProvider();

        Assert.Single(services, d => d.ServiceType == typeof(IConfigureOptions<MedallionOptions>));
        Assert.Single(services, d => d.ServiceType == typeof(IMedallionEngine));
        Assert.Equal(1.08m, sp.GetRequiredService<IOptions<MedallionOptions>>().Value.ExchangeRates["EUR"]);
        Assert.Equal(10, sp.GetRequiredService<IOptions<InProcessMedallionOptions>>().Value.RowGroupRows);
    }

    [Fact]
    public async Task Reports_are_answered_from_gold_parquet_without_a_database()
    {
        var sp = Build([]);
        await using var scope = sp.ConfigureAwait(false);

        var client = Assert.IsType<Affiliate.Sdk.Lake.Parquet.ParquetReportClient>(sp.GetRequiredService<Affiliate.Sdk.Reports.IReportClient>());
        var result = await client.QueryAsync(new Affiliate.Sdk.Reports.ReportQuery { From = new(2026, 1, 1), To = new(2026, 1, 31) }, default);

        Assert.Empty(result.Rows);
        Assert.Null(result.Freshness);
    }
}
