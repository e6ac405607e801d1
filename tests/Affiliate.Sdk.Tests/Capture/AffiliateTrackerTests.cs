using System.Net;
using Affiliate.Sdk.Capture;
using Affiliate.Sdk.ClickIds;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.Json;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Affiliate.Sdk.Tests.Capture;

public sealed class AffiliateTrackerTests
{
    private static readonly ClientInfo Browser = new()
    {
        IpAddress = IPAddress.Parse("198.51.100.77"),
        UserAgent = "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
        Referrer = "https://news.example/article",
    };

    private static TrafficRequest Click(string offer = "1001", string aff = "42") => new()
    {
        OfferId = offer,
        AffiliateId = aff,
        Client = Browser,
    };

    [Fact]
    public async Task Click_issues_a_signed_click_id_for_its_uuidv7_event_and_publishes_it()
    {
        var publisher = new RecordingPublisher();
        using var sp = CaptureTestHost.Build(publisher);

        var result = await CaptureTestHost.Tracker(sp).TrackClickAsync(Click() with { CampaignId = "spring" }, default);

        Assert.True(result.Result.IsAccepted);
        var recorded = Assert.Single(publisher.Events);
        Assert.Same(result.Result.Event, recorded);
        Assert.Equal(EventKind.Click, recorded.Kind);
        Assert.Equal(7, recorded.EventId.Version);
        Assert.Equal(result.ClickId, recorded.ClickId);
        var verified = sp.GetRequiredService<ClickIdCodec>().Verify(result.ClickId);
        Assert.True(verified.IsValid);
        Assert.Equal(recorded.EventId, verified.EventId);
        Assert.Equal(("1001", "42", "spring"), (recorded.OfferId, recorded.AffiliateId, recorded.CampaignId));
        Assert.False(recorded.IsBot);
        Assert.Empty(TrackingEventValidator.Validate(recorded, DateTimeOffset.UtcNow));
    }

    [Fact]
    public async Task Click_redirect_expands_every_macro_url_encoded()
    {
        using var sp = CaptureTestHost.Build(new RecordingPublisher());
        var request = Click(aff: "a/b") with { CampaignId = "c d", Sub1 = "x&y=z", Sub2 = "ä", Sub3 = "#frag", Sub4 = "100%", Sub5 = null };

        var result = await CaptureTestHost.Tracker(sp).TrackClickAsync(request, default);

        Assert.Equal(
            $"https://shop.example/landing?cid={result.ClickId}&o=1001&a=a%2Fb&c=c%20d&s1=x%26y%3Dz&s2=%C3%A4&s3=%23frag&s4=100%25&s5=",
            result.RedirectUrl);
    }

    [Theory]
    [InlineData("nope", TrackStatus.OfferNotFound)]
    [InlineData("paused", TrackStatus.OfferPaused)]
    public async Task Click_for_an_unknown_or_paused_offer_is_refused_and_not_published(string offer, TrackStatus expected)
    {
        var publisher = new RecordingPublisher();
        using var sp = CaptureTestHost.Build(publisher);

        var result = await CaptureTestHost.Tracker(sp).TrackClickAsync(Click(offer), default);

        Assert.Equal(expected, result.Result.Status);
        Assert.Null(result.RedirectUrl);
        Assert.Empty(publisher.Events);
    }

    [Fact]
    public async Task Invalid_click_names_the_field()
    {
        var publisher = new RecordingPublisher();
        using var sp = CaptureTestHost.Build(publisher);

        var result = await CaptureTestHost.Tracker(sp).TrackClickAsync(Click(aff: "") with { Sub2 = new string('s', 300) }, default);

        Assert.Equal(TrackStatus.Invalid, result.Result.Status);
        Assert.Contains(result.Result.Errors, e => e.Field == "affiliate_id");
        Assert.Contains(result.Result.Errors, e => e.Field == "sub2");
        Assert.Empty(publisher.Events);
    }

    [Theory]
    [InlineData("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)")]
    [InlineData("curl/8.5.0")]
    [InlineData("python-requests/2.32")]
    [InlineData("Mozilla/5.0 HeadlessChrome/120.0")]
    [InlineData("")]
    public async Task Bots_are_flagged_and_still_recorded(string userAgent)
    {
        var publisher = new RecordingPublisher();
        using var sp = CaptureTestHost.Build(publisher);

        var result = await CaptureTestHost.Tracker(sp).TrackClickAsync(Click() with { Client = Browser with { UserAgent = userAgent } }, default);

        Assert.True(result.Result.IsAccepted);
        Assert.True(Assert.Single(publisher.Events).IsBot);
    }

    [Fact]
    public async Task Custom_bot_patterns_apply_and_defaults_can_be_switched_off()
    {
        var publisher = new RecordingPublisher();
        var settings = CaptureTestHost.Settings();
        settings["AffiliateSdk:Capture:UseDefaultBotPatterns"] = "false";
        settings["AffiliateSdk:Capture:BotUserAgentPatterns:0"] = "InternalProbe";
        using var sp = CaptureTestHost.Build(publisher, settings);
        var tracker = CaptureTestHost.Tracker(sp);

        await tracker.TrackClickAsync(Click() with { Client = Browser with { UserAgent = "curl/8.5.0" } }, default);
        await tracker.TrackClickAsync(Click() with { Client = Browser with { UserAgent = "our-internalprobe/1" } }, default);

        Assert.Equal([false, true], publisher.Events.Select(e => e.IsBot));
    }

    [Fact]
    public async Task The_raw_address_never_reaches_the_event_and_client_strings_are_truncated()
    {
        var publisher = new RecordingPublisher();
        using var sp = CaptureTestHost.Build(publisher);
        var client = Browser with { UserAgent = "Mozilla/5.0 " + new string('u', 600), Referrer = "https://r.example/" + new string('r', 2000) };

        await CaptureTestHost.Tracker(sp).TrackImpressionAsync(Click() with { Client = client }, default);

        var recorded = Assert.Single(publisher.Events);
        Assert.Equal("198.51.100.0/24", recorded.IpHash);
        Assert.DoesNotContain("198.51.100.77", System.Text.Encoding.UTF8.GetString(TrackingEventSerializer.SerializeToUtf8Bytes(recorded)), StringComparison.Ordinal);
        Assert.Equal(TrackingEventLimits.MaxUserAgentLength, recorded.UserAgent!.Length);
        Assert.Equal(TrackingEventLimits.MaxReferrerLength, recorded.Referrer!.Length);
    }

    [Fact]
    public async Task Hash_mode_stores_a_keyed_hash_of_the_address()
    {
        var publisher = new RecordingPublisher();
        var settings = CaptureTestHost.Settings();
        settings["AffiliateSdk:Capture:IpAnonymization"] = "Hash";
        settings["AffiliateSdk:Capture:IpHashSalt"] = "a-salt-of-sixteen-chars";
        using var sp = CaptureTestHost.Build(publisher, settings);
        var tracker = CaptureTestHost.Tracker(sp);

        await tracker.TrackClickAsync(Click(), default);
        await tracker.TrackClickAsync(Click(), default);

        var hashes = publisher.Events.Select(e => e.IpHash).ToList();
        Assert.Equal(32, hashes[0]!.Length);
        Assert.Equal(hashes[0], hashes[1]);
        Assert.DoesNotContain("198.51.100", hashes[0]!, StringComparison.Ordinal);
    }

    [Fact]
    public void Hash_mode_without_a_salt_fails_at_start_naming_the_setting()
    {
        var settings = CaptureTestHost.Settings();
        settings["AffiliateSdk:Capture:IpAnonymization"] = "Hash";

        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => CaptureTestHost.Build(new RecordingPublisher(), settings));

        Assert.Contains("AffiliateSdk:Capture:IpHashSalt must be at least 16 characters", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not-a-click-id")]
    [InlineData("AQEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task Conversion_with_an_unknown_or_malformed_click_id_is_still_recorded(string clickId)
    {
        var publisher = new RecordingPublisher();
        using var sp = CaptureTestHost.Build(publisher);

        var result = await CaptureTestHost.Tracker(sp).TrackConversionAsync(
            new ConversionRequest { ClickId = clickId, TransactionId = "T-1", SaleAmount = new Money(49.90m, "usd"), Status = ConversionStatus.Pending },
            default);

        Assert.True(result.IsAccepted);
        var recorded = Assert.Single(publisher.Events);
        Assert.Equal((EventKind.Conversion, clickId, "T-1", ConversionStatus.Pending), (recorded.Kind, recorded.ClickId, recorded.TransactionId, recorded.Status));
        Assert.Equal(new Money(49.90m, "USD"), recorded.SaleAmount);
    }

    [Fact]
    public async Task A_publisher_failure_surfaces_and_nothing_is_acknowledged()
    {
        using var sp = CaptureTestHost.Build(new FailingPublisher());
        var tracker = CaptureTestHost.Tracker(sp);

        await Assert.ThrowsAsync<PublishException>(async () => await tracker.TrackClickAsync(Click(), default));
        await Assert.ThrowsAsync<PublishException>(async () => await tracker.TrackConversionAsync(new ConversionRequest { ClickId = "x" }, default));
    }

    [Fact]
    public async Task Batch_answers_per_event_and_publishes_only_the_valid_ones()
    {
        var publisher = new RecordingPublisher();
        using var sp = CaptureTestHost.Build(publisher);
        var now = DateTimeOffset.UtcNow;
        var good = new TrackingEvent { EventId = Guid.CreateVersion7(), Kind = EventKind.Impression, OccurredAt = now, ReceivedAt = now.AddDays(-1), OfferId = "1001", AffiliateId = "7" };
        var bad = good with { EventId = Guid.CreateVersion7(), OfferId = null };

        var results = await CaptureTestHost.Tracker(sp).TrackEventsAsync([good, bad], default);

        Assert.True(results[0].IsAccepted);
        Assert.Equal(TrackStatus.Invalid, results[1].Status);
        Assert.Contains(results[1].Errors, e => e.Field == "offer_id");
        var recorded = Assert.Single(publisher.Events);
        Assert.Equal(good.EventId, recorded.EventId);
        Assert.True(recorded.ReceivedAt > good.ReceivedAt, "received_at is when the SDK received the event");
    }

    [Fact]
    public async Task Accepted_and_rejected_events_are_counted_by_kind_and_reason()
    {
        using var sp = CaptureTestHost.Build(new RecordingPublisher());
        var meters = sp.GetRequiredService<IMeterFactory>();
        using var accepted = new MetricCollector<long>(meters, "Affiliate.Sdk", "affiliate.sdk.events.accepted");
        using var rejected = new MetricCollector<long>(meters, "Affiliate.Sdk", "affiliate.sdk.events.rejected");
        using var bots = new MetricCollector<long>(meters, "Affiliate.Sdk", "affiliate.sdk.capture.bots");
        var tracker = CaptureTestHost.Tracker(sp);

        await tracker.TrackClickAsync(Click(), default);
        await tracker.TrackClickAsync(Click() with { Client = Browser with { UserAgent = "curl/8" } }, default);
        await tracker.TrackClickAsync(Click("nope"), default);
        await tracker.TrackClickAsync(Click("paused"), default);
        await tracker.TrackClickAsync(Click(aff: ""), default);

        Assert.Equal(2, accepted.GetMeasurementSnapshot().Where(m => Equals(m.Tags["kind"], "click")).Sum(m => m.Value));
        var reasons = rejected.GetMeasurementSnapshot().Select(m => (string)m.Tags["reason"]!).Order(StringComparer.Ordinal);
        Assert.Equal(["invalid", "offer_not_found", "offer_paused"], reasons);
        Assert.Equal(1, bots.GetMeasurementSnapshot().Sum(m => m.Value));
    }

    [Theory]
    [InlineData("de", "DE")]
    [InlineData("FR", "FR")]
    [InlineData("T1", null)]
    [InlineData("", null)]
    [InlineData("USA", null)]
    public async Task Country_is_upper_cased_or_dropped_never_refused(string country, string? expected)
    {
        var publisher = new RecordingPublisher();
        using var sp = CaptureTestHost.Build(publisher);

        var result = await CaptureTestHost.Tracker(sp).TrackClickAsync(Click() with { Client = Browser with { Country = country } }, default);

        Assert.True(result.Result.IsAccepted);
        Assert.Equal(expected, Assert.Single(publisher.Events).Country);
    }
}
