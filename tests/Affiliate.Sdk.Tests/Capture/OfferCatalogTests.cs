using Affiliate.Sdk.Offers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.Tests.Capture;

public sealed class OfferCatalogTests
{
    private static string StartupError(Dictionary<string, string?> settings) =>
        Assert.Throws<OptionsValidationException>(() => CaptureTestHost.Build(new RecordingPublisher(), settings)).Message;

    [Fact]
    public void Offers_and_advertisers_bind_from_configuration()
    {
        using var sp = CaptureTestHost.Build(new RecordingPublisher());
        var catalog = sp.GetRequiredService<IOfferCatalog>();

        Assert.True(catalog.TryGetOffer("1001", out var offer));
        Assert.Equal("adv-1", offer.AdvertiserId);
        Assert.Equal(new CommissionRule(CommissionKind.Flat, 10.50m), offer.Revenue);
        Assert.Equal(new CommissionRule(CommissionKind.RevenueShare, 12.5m), offer.Payout);
        Assert.Equal(TimeSpan.FromDays(30), offer.AttributionWindow);
        Assert.Equal("USD", offer.Currency);
        Assert.True(catalog.TryGetOffer("paused", out var paused));
        Assert.Equal(OfferStatus.Paused, paused.Status);
        Assert.False(catalog.TryGetOffer("1002", out _));
        Assert.True(catalog.TryGetAdvertiser("adv-1", out var advertiser));
        Assert.Equal(["first-secret-0123456789"], advertiser.PostbackSecrets);
        Assert.Equal(2, catalog.Offers.Count);
    }

    [Fact]
    public void An_empty_catalog_is_valid()
    {
        var settings = CaptureTestHost.Settings();
        foreach (var key in settings.Keys.Where(k => k.StartsWith("AffiliateSdk:Offers", StringComparison.Ordinal) || k.StartsWith("AffiliateSdk:Advertisers", StringComparison.Ordinal)).ToList())
        {
            settings.Remove(key);
        }

        using var sp = CaptureTestHost.Build(new RecordingPublisher(), settings);

        Assert.Empty(sp.GetRequiredService<IOfferCatalog>().Offers);
    }

    [Theory]
    [InlineData("shop.example/landing", "AffiliateSdk:Offers:0:UrlTemplate must be an absolute http(s) URL")]
    [InlineData("ftp://shop.example/x", "AffiliateSdk:Offers:0:UrlTemplate must be an absolute http(s) URL")]
    [InlineData("javascript:alert(1)//{click_id}", "AffiliateSdk:Offers:0:UrlTemplate must be an absolute http(s) URL")]
    [InlineData("https://{sub1}/landing", "AffiliateSdk:Offers:0:UrlTemplate must not use macros in the scheme, host or port")]
    [InlineData("https://shop.example{sub1}/x", "AffiliateSdk:Offers:0:UrlTemplate must not use macros in the scheme, host or port")]
    [InlineData("https://{sub1}@shop.example/x", "AffiliateSdk:Offers:0:UrlTemplate must not use macros in the scheme, host or port")]
    [InlineData("https://shop.example/?x={nope}", "AffiliateSdk:Offers:0:UrlTemplate uses unknown macro '{nope}'")]
    [InlineData("https://shop.example/?x={click_id", "AffiliateSdk:Offers:0:UrlTemplate has an unbalanced")]
    public void A_bad_url_template_fails_at_start_naming_the_setting(string template, string expected)
    {
        var settings = CaptureTestHost.Settings();
        settings["AffiliateSdk:Offers:0:UrlTemplate"] = template;

        Assert.Contains(expected, StartupError(settings), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_bad_offer_and_advertiser_setting_is_named()
    {
        var settings = CaptureTestHost.Settings();
        settings["AffiliateSdk:Offers:1:Id"] = "1001";
        settings["AffiliateSdk:Offers:0:AdvertiserId"] = "nobody";
        settings["AffiliateSdk:Offers:0:Currency"] = "US";
        settings["AffiliateSdk:Offers:0:Payout:Value"] = "150";
        settings["AffiliateSdk:Offers:0:Revenue:Value"] = "-1";
        settings["AffiliateSdk:Offers:0:AttributionWindow"] = "00:00:00";
        settings["AffiliateSdk:Advertisers:0:PostbackSecrets:1"] = "short";
        settings["AffiliateSdk:Advertisers:0:PostbackTokens:0"] = "tiny";
        settings["AffiliateSdk:Advertisers:1:Id"] = "adv-1";

        var message = StartupError(settings);

        Assert.Contains("AffiliateSdk:Offers:1:Id '1001' is used by another offer", message, StringComparison.Ordinal);
        Assert.Contains("AffiliateSdk:Offers:0:AdvertiserId 'nobody' is not the id of any advertiser in AffiliateSdk:Advertisers", message, StringComparison.Ordinal);
        Assert.Contains("AffiliateSdk:Offers:0:Currency must be an ISO-4217 code", message, StringComparison.Ordinal);
        Assert.Contains("AffiliateSdk:Offers:0:Payout:Value must be a percentage between 0 and 100", message, StringComparison.Ordinal);
        Assert.Contains("AffiliateSdk:Offers:0:Revenue:Value must be a non-negative amount", message, StringComparison.Ordinal);
        Assert.Contains("AffiliateSdk:Offers:0:AttributionWindow must be positive", message, StringComparison.Ordinal);
        Assert.Contains("AffiliateSdk:Advertisers:0:PostbackSecrets:1 must be at least 16 characters", message, StringComparison.Ordinal);
        Assert.Contains("AffiliateSdk:Advertisers:0:PostbackTokens:0 must be at least 16 characters", message, StringComparison.Ordinal);
        Assert.Contains("AffiliateSdk:Advertisers:1:Id 'adv-1' is used by another advertiser", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_valid_configuration_change_replaces_the_catalog()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(CaptureTestHost.Settings()).Build();
        using var sp = CaptureTestHost.Build(new RecordingPublisher(), configuration: configuration);
        var catalog = sp.GetRequiredService<IOfferCatalog>();
        Assert.True(catalog.TryGetOffer("paused", out var before));
        Assert.Equal(OfferStatus.Paused, before.Status);

        configuration["AffiliateSdk:Offers:1:Status"] = "Active";
        configuration["AffiliateSdk:Offers:2:Id"] = "2002";
        configuration["AffiliateSdk:Offers:2:AdvertiserId"] = "adv-1";
        configuration["AffiliateSdk:Offers:2:UrlTemplate"] = "https://other.example/{click_id}";
        configuration.Reload();

        Assert.True(catalog.TryGetOffer("paused", out var after));
        Assert.Equal(OfferStatus.Active, after.Status);
        Assert.True(catalog.TryGetOffer("2002", out _));
    }

    [Fact]
    public void An_invalid_configuration_change_keeps_the_previous_catalog()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(CaptureTestHost.Settings()).Build();
        using var sp = CaptureTestHost.Build(new RecordingPublisher(), configuration: configuration);
        var catalog = sp.GetRequiredService<IOfferCatalog>();

        configuration["AffiliateSdk:Offers:0:UrlTemplate"] = "https://{sub1}/evil";
        configuration["AffiliateSdk:Offers:2:Id"] = "2002";
        try
        {
            configuration.Reload();
        }
        catch (AggregateException)
        {
            // The options monitor of other consumers may throw from the change callback; the catalog must not care.
        }

        Assert.True(catalog.TryGetOffer("1001", out var offer));
        Assert.StartsWith("https://shop.example/", offer.UrlTemplate, StringComparison.Ordinal);
        Assert.False(catalog.TryGetOffer("2002", out _));
    }
}
