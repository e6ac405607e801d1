using System.Net;
using Affiliate.Sdk.ClickIds;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Affiliate.Sdk.AspNetCore.Tests;

public sealed class ClickAndImpressionTests(RecordingAppFixture fixture) : IClassFixture<RecordingAppFixture>
{
    private readonly HttpClient _client = fixture.App.Client;

    private TrackingEvent Recorded(Func<TrackingEvent, bool> match) => Assert.Single(fixture.Publisher.Events, e => match(e));

    private static HttpRequestMessage Get(string url, string userAgent = "Mozilla/5.0 (Windows NT 10.0) Firefox/140.0")
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
        return request;
    }

    [Fact]
    public async Task Click_redirects_302_to_the_offer_with_a_signed_click_id_and_records_the_click()
    {
        var marker = Guid.NewGuid().ToString("N");

        using var response = await _client.SendAsync(Get($"/t/click?offer=1001&aff=42&campaign=spring&sub1={marker}"));

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        var location = response.Headers.Location!;
        Assert.Equal("https://shop.example/landing", location.GetLeftPart(UriPartial.Path));
        Assert.Contains("no-store", response.Headers.CacheControl!.ToString(), StringComparison.Ordinal);
        var clickId = Http.Query(location)["cid"];
        var verified = fixture.App.Services.GetRequiredService<ClickIdCodec>().Verify(clickId);
        Assert.True(verified.IsValid);
        var click = Recorded(e => e.Sub1 == marker);
        Assert.Equal((EventKind.Click, clickId, verified.EventId), (click.Kind, click.ClickId, click.EventId));
        Assert.Equal(("1001", "42", "spring"), (click.OfferId, click.AffiliateId, click.CampaignId));
        Assert.False(click.IsBot);
    }

    [Fact]
    public async Task Click_macros_are_url_encoded()
    {
        var sub1 = "a b&c=d/é?#" + Guid.NewGuid().ToString("N");

        using var response = await _client.SendAsync(Get($"/t/click?offer=1001&aff={Uri.EscapeDataString("x/y")}&sub1={Uri.EscapeDataString(sub1)}"));

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        var raw = response.Headers.Location!.OriginalString;
        Assert.Contains("&aff=x%2Fy&", raw, StringComparison.Ordinal);
        Assert.Contains("&s1=a%20b%26c%3Dd%2F%C3%A9%3F%23", raw, StringComparison.Ordinal);
        Assert.EndsWith("&s2=", raw, StringComparison.Ordinal);
        Assert.Equal(sub1, Recorded(e => e.Sub1 == sub1).Sub1);
    }

    [Theory]
    [InlineData("url=https://evil.example/&sub1=x")]
    [InlineData("sub1=https%3A%2F%2Fevil.example%2F")]
    [InlineData("sub1=..%2F..%2F%2F%2Fevil.example")]
    [InlineData("sub1=%40evil.example")]
    public async Task Click_never_redirects_off_the_offer_host(string extra)
    {
        using var response = await _client.SendAsync(Get($"/t/click?offer=path&aff=9&{extra}"));

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        var location = response.Headers.Location!;
        Assert.Equal(("https", "other.example"), (location.Scheme, location.Host));
        Assert.StartsWith("https://other.example/go/", location.OriginalString, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/t/click?offer=does-not-exist&aff=42")]
    [InlineData("/t/click?offer=paused&aff=42")]
    [InlineData("/t/imp?offer=does-not-exist&aff=42")]
    public async Task Unknown_or_paused_offer_is_404_problem(string url)
    {
        using var response = await _client.SendAsync(Get(url));

        var problem = await Http.ProblemAsync(response, HttpStatusCode.NotFound);
        Http.NamesField(problem, "offer");
    }

    [Theory]
    [InlineData("/t/click?offer=1001", "aff")]
    [InlineData("/t/click?aff=42", "offer")]
    [InlineData("/t/click?offer=1001&aff=", "aff")]
    [InlineData("/t/click?offer=1001&aff=1&aff=2", "aff")]
    [InlineData("/t/imp?offer=1001", "aff")]
    public async Task Missing_or_repeated_field_is_400_problem_naming_it(string url, string field)
    {
        using var response = await _client.SendAsync(Get(url));

        var problem = await Http.ProblemAsync(response, HttpStatusCode.BadRequest);
        Http.NamesField(problem, field);
        Assert.Contains(field, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Too_long_sub_id_is_400_naming_it()
    {
        using var response = await _client.SendAsync(Get($"/t/click?offer=1001&aff=42&sub3={new string('s', 300)}"));

        Http.NamesField(await Http.ProblemAsync(response, HttpStatusCode.BadRequest), "sub3");
    }

    [Theory]
    [InlineData("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)")]
    [InlineData("curl/8.5.0")]
    public async Task Bot_clicks_are_redirected_and_recorded_flagged(string userAgent)
    {
        var marker = Guid.NewGuid().ToString("N");

        using var response = await _client.SendAsync(Get($"/t/click?offer=1001&aff=42&sub1={marker}", userAgent));

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        var click = Recorded(e => e.Sub1 == marker);
        Assert.True(click.IsBot);
        Assert.Equal(userAgent, click.UserAgent);
    }

    [Fact]
    public async Task The_raw_client_address_never_reaches_the_event()
    {
        var marker = Guid.NewGuid().ToString("N");
        var request = Get($"/t/click?offer=1001&aff=42&sub1={marker}");
        request.Headers.Referrer = new Uri("https://news.example/a");
        request.Headers.Add("X-Country", "de");

        using var response = await _client.SendAsync(request);

        var click = Recorded(e => e.Sub1 == marker);
        Assert.Equal("127.0.0.0/24", click.IpHash);
        Assert.Equal("DE", click.Country);
        Assert.Equal("https://news.example/a", click.Referrer);
        var json = System.Text.Encoding.UTF8.GetString(TrackingEventSerializer.SerializeToUtf8Bytes(click));
        Assert.DoesNotContain("127.0.0.1", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Impression_answers_a_no_store_1x1_gif_and_records_it()
    {
        var marker = Guid.NewGuid().ToString("N");

        using var response = await _client.SendAsync(Get($"/t/imp?offer=1001&aff=42&sub1={marker}"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/gif", response.Content.Headers.ContentType?.MediaType);
        var gif = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal("GIF89a"u8.ToArray(), gif[..6]);
        Assert.Equal((1, 1), (gif[6], gif[8]));
        Assert.True(response.Headers.CacheControl!.NoStore);
        Assert.True(response.Headers.CacheControl.NoCache);
        Assert.Contains("no-cache", response.Headers.Pragma.ToString(), StringComparison.Ordinal);
        Assert.Equal(EventKind.Impression, Recorded(e => e.Sub1 == marker).Kind);
    }

    [Fact]
    public async Task Impression_with_pixel_0_answers_204()
    {
        var marker = Guid.NewGuid().ToString("N");

        using var response = await _client.SendAsync(Get($"/t/imp?offer=1001&aff=42&sub1={marker}&pixel=0"));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.True(response.Headers.CacheControl!.NoStore);
        Assert.Equal(EventKind.Impression, Recorded(e => e.Sub1 == marker).Kind);
    }
}
