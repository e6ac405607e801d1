using Affiliate.Sdk.ClickIds;
using Affiliate.Sdk.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.Tests.DependencyInjection;

public sealed class RegistrationTests
{
    private static readonly string Secret = Convert.ToBase64String(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddAffiliateSdk();
        return services.BuildServiceProvider();
    }

    private static string StartupValidationMessage(ServiceProvider sp) =>
        Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IStartupValidator>().Validate()).Message;

    [Fact]
    public void Click_id_keys_bind_from_configuration_and_sign()
    {
        using var sp = Build(new()
        {
            ["AffiliateSdk:ClickIds:ActiveKeyId"] = "7",
            ["AffiliateSdk:ClickIds:Keys:0:Id"] = "7",
            ["AffiliateSdk:ClickIds:Keys:0:Secret"] = Secret,
        });

        sp.GetRequiredService<IStartupValidator>().Validate();
        var codec = sp.GetRequiredService<ClickIdCodec>();

        Assert.Equal(7, codec.Verify(codec.Issue(Guid.CreateVersion7())).KeyId);
    }

    [Fact]
    public void Missing_click_id_keys_fail_at_start_naming_the_setting()
    {
        using var sp = Build([]);

        Assert.Contains("AffiliateSdk:ClickIds:Keys", StartupValidationMessage(sp), StringComparison.Ordinal);
    }

    [Fact]
    public void A_short_secret_and_an_unknown_active_key_are_named()
    {
        using var sp = Build(new()
        {
            ["AffiliateSdk:ClickIds:ActiveKeyId"] = "2",
            ["AffiliateSdk:ClickIds:Keys:0:Id"] = "1",
            ["AffiliateSdk:ClickIds:Keys:0:Secret"] = Convert.ToBase64String(new byte[8]),
        });

        var message = StartupValidationMessage(sp);

        Assert.Contains("AffiliateSdk:ClickIds:Keys:0:Secret", message, StringComparison.Ordinal);
        Assert.Contains("AffiliateSdk:ClickIds:ActiveKeyId 2", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Code_configuration_works_without_an_IConfiguration_in_the_container()
    {
        var services = new ServiceCollection();
        services.AddAffiliateSdk(o =>
        {
            o.ClickIds.ActiveKeyId = 3;
            o.ClickIds.Keys.Add(new ClickIdKeyOptions { Id = 3, Secret = Secret });
        });
        using var sp = services.BuildServiceProvider();

        var codec = sp.GetRequiredService<ClickIdCodec>();

        Assert.True(codec.Verify(codec.Issue(Guid.CreateVersion7())).IsValid);
    }
}
