using Affiliate.Sdk.Capture;
using Affiliate.Sdk.DependencyInjection;
using Affiliate.Sdk.Pipeline;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Affiliate.Sdk.Tests.Capture;

/// <summary>A container with the SDK, a catalog from in-memory configuration and a chosen publisher.</summary>
internal static class CaptureTestHost
{
    public static readonly string ClickKey = Convert.ToBase64String(Enumerable.Range(0, 32).Select(i => (byte)(i * 7)).ToArray());

    public static Dictionary<string, string?> Settings() => new()
    {
        ["AffiliateSdk:ClickIds:ActiveKeyId"] = "1",
        ["AffiliateSdk:ClickIds:Keys:0:Id"] = "1",
        ["AffiliateSdk:ClickIds:Keys:0:Secret"] = ClickKey,
        ["AffiliateSdk:Advertisers:0:Id"] = "adv-1",
        ["AffiliateSdk:Advertisers:0:PostbackSecrets:0"] = "first-secret-0123456789",
        ["AffiliateSdk:Offers:0:Id"] = "1001",
        ["AffiliateSdk:Offers:0:AdvertiserId"] = "adv-1",
        ["AffiliateSdk:Offers:0:UrlTemplate"] = "https://shop.example/landing?cid={click_id}&o={offer_id}&a={aff_id}&c={campaign_id}&s1={sub1}&s2={sub2}&s3={sub3}&s4={sub4}&s5={sub5}",
        ["AffiliateSdk:Offers:0:Revenue:Value"] = "10.50",
        ["AffiliateSdk:Offers:0:Payout:Kind"] = "RevenueShare",
        ["AffiliateSdk:Offers:0:Payout:Value"] = "12.5",
        ["AffiliateSdk:Offers:1:Id"] = "paused",
        ["AffiliateSdk:Offers:1:AdvertiserId"] = "adv-1",
        ["AffiliateSdk:Offers:1:UrlTemplate"] = "https://shop.example/p/{sub1}",
        ["AffiliateSdk:Offers:1:Status"] = "Paused",
    };

    public static ServiceProvider Build(IEventPublisher publisher, Dictionary<string, string?>? settings = null, IConfigurationRoot? configuration = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration ?? new ConfigurationBuilder().AddInMemoryCollection(settings ?? Settings()).Build());
        services.AddAffiliateSdk();
        services.AddSingleton(publisher);
        var sp = services.BuildServiceProvider();
        sp.GetRequiredService<Microsoft.Extensions.Options.IStartupValidator>().Validate();
        return sp;
    }

    public static IAffiliateTracker Tracker(ServiceProvider sp) => sp.GetRequiredService<IAffiliateTracker>();
}
