using Affiliate.Sdk.DependencyInjection;
using Affiliate.Sdk.Reports;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.Snowflake.Tests;

public sealed class RegistrationTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddAffiliateSdk().AddSnowflake();
        return services.BuildServiceProvider();
    }

    private static OptionsValidationException Invalid(Dictionary<string, string?> settings)
    {
        using var provider = Build(settings);
        return Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<SnowflakeOptions>>().Value);
    }

    [Fact]
    public void Configured_section_resolves_the_sql_client_and_the_report_client()
    {
        using var provider = Build(new()
        {
            ["AffiliateSdk:Snowflake:Account"] = "myorg-myaccount",
            ["AffiliateSdk:Snowflake:User"] = "svc",
            ["AffiliateSdk:Snowflake:PrivateKey"] = TestKeys.Pem,
            ["AffiliateSdk:Snowflake:Warehouse"] = "REPORT_WH",
            ["AffiliateSdk:Snowflake:GoldDailyTable"] = "AFFILIATE.GOLD.GOLD_DAILY",
        });

        Assert.IsType<SnowflakeSqlApiClient>(provider.GetRequiredService<ISnowflakeSqlClient>());
        Assert.IsType<SnowflakeReportClient>(provider.GetRequiredService<IReportClient>());
        Assert.Equal("REPORT_WH", provider.GetRequiredService<IOptions<SnowflakeOptions>>().Value.Warehouse);
    }

    [Fact]
    public void Missing_account_and_credentials_are_refused_naming_the_settings()
    {
        var e = Invalid(new());

        Assert.Contains("AffiliateSdk:Snowflake:Account", e.Message, StringComparison.Ordinal);
        Assert.Contains("AffiliateSdk:Snowflake:PrivateKey", e.Message, StringComparison.Ordinal);
        Assert.Contains("AffiliateSdk:Snowflake:OAuthToken", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_ways_to_authenticate_are_refused_without_repeating_the_secrets()
    {
        var e = Invalid(new()
        {
            ["AffiliateSdk:Snowflake:Account"] = "a",
            ["AffiliateSdk:Snowflake:User"] = "u",
            ["AffiliateSdk:Snowflake:PrivateKey"] = TestKeys.Pem,
            ["AffiliateSdk:Snowflake:OAuthToken"] = "super-secret-token",
        });

        Assert.Contains("AffiliateSdk:Snowflake:OAuthToken", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("super-secret-token", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unreadable_key_bad_identifiers_and_timeouts_are_refused_naming_each_setting()
    {
        var e = Invalid(new()
        {
            ["AffiliateSdk:Snowflake:Account"] = "a",
            ["AffiliateSdk:Snowflake:User"] = "u",
            ["AffiliateSdk:Snowflake:PrivateKey"] = "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----",
            ["AffiliateSdk:Snowflake:GoldDailyTable"] = "gold\"; DROP TABLE x; --",
            ["AffiliateSdk:Snowflake:JwtLifetime"] = "02:00:00",
            ["AffiliateSdk:Snowflake:MaxRetries"] = "-1",
        });

        Assert.Contains("AffiliateSdk:Snowflake:PrivateKey could not be read", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("bm90IGEga2V5", e.Message, StringComparison.Ordinal);
        Assert.Contains("AffiliateSdk:Snowflake:GoldDailyTable", e.Message, StringComparison.Ordinal);
        Assert.Contains("AffiliateSdk:Snowflake:JwtLifetime", e.Message, StringComparison.Ordinal);
        Assert.Contains("AffiliateSdk:Snowflake:MaxRetries", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_key_file_is_refused_naming_the_path_setting()
    {
        var e = Invalid(new()
        {
            ["AffiliateSdk:Snowflake:Account"] = "a",
            ["AffiliateSdk:Snowflake:User"] = "u",
            ["AffiliateSdk:Snowflake:PrivateKeyPath"] = Path.Combine(Path.GetTempPath(), "no-such-key-" + Guid.NewGuid().ToString("N") + ".p8"),
        });

        Assert.Contains("AffiliateSdk:Snowflake:PrivateKeyPath names a file that does not exist", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_user_registered_sql_client_is_kept()
    {
        var services = new ServiceCollection();
        var own = new ScriptRecorder();
        services.AddSingleton<ISnowflakeSqlClient>(own);
        services.AddAffiliateSdk().AddSnowflake(o => { o.Account = "a"; o.OAuthToken = "t"; });
        using var provider = services.BuildServiceProvider();

        Assert.Same(own, provider.GetRequiredService<ISnowflakeSqlClient>());
    }
}
