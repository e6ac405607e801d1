using Affiliate.Sdk.DependencyInjection;
using Affiliate.Sdk.Pipeline;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.Tests.Pipeline;

public sealed class MedallionWorkerRegistrationTests
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
        services.AddAffiliateSdk().AddMedallionWorker();
        return services.BuildServiceProvider();
    }

    [Fact]
    public void Interval_and_backoff_bind_from_the_pipeline_medallion_section()
    {
        using var sp = Build(new()
        {
            ["AffiliateSdk:Pipeline:Medallion:Interval"] = "00:00:07",
            ["AffiliateSdk:Pipeline:Medallion:MaxBackoff"] = "00:03:00",
        });

        var options = sp.GetRequiredService<IOptions<MedallionWorkerOptions>>().Value;

        Assert.Equal(TimeSpan.FromSeconds(7), options.Interval);
        Assert.Equal(TimeSpan.FromMinutes(3), options.MaxBackoff);
    }

    [Fact]
    public void Bad_worker_settings_fail_at_start_naming_the_setting()
    {
        using var sp = Build(new()
        {
            ["AffiliateSdk:Pipeline:Medallion:Interval"] = "00:00:10",
            ["AffiliateSdk:Pipeline:Medallion:MaxBackoff"] = "00:00:05",
        });

        var e = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("AffiliateSdk:Pipeline:Medallion:MaxBackoff", e.Message, StringComparison.Ordinal);
    }
}
