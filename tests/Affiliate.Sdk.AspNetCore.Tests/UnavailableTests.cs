using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Affiliate.Sdk.AspNetCore.Tests;

/// <summary>The stream is down: every capture endpoint answers 503 with Retry-After and acknowledges nothing.</summary>
public sealed class UnavailableTests : IAsyncLifetime
{
    private TrackingApp _app = null!;

    public async Task InitializeAsync() => _app = await TrackingApp.StartAsync(new FailingPublisher());

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task Assert503(HttpRequestMessage request)
    {
        using var response = await _app.Client.SendAsync(request);

        await Http.ProblemAsync(response, HttpStatusCode.ServiceUnavailable);
        Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public Task Click_is_503_and_not_redirected() => Assert503(new HttpRequestMessage(HttpMethod.Get, "/t/click?offer=1001&aff=42"));

    [Fact]
    public Task Impression_is_503() => Assert503(new HttpRequestMessage(HttpMethod.Get, "/t/imp?offer=1001&aff=42"));

    [Fact]
    public Task Postback_is_503()
    {
        const string canonical = "click_id=abc&txn_id=T-503";
        return Assert503(new HttpRequestMessage(HttpMethod.Get, $"/t/postback?{canonical}&sig={TrackingApp.Sign(canonical, TrackingApp.OldSecret)}"));
    }

    [Fact]
    public Task Batch_is_503()
    {
        var now = DateTimeOffset.UtcNow.ToString("O");
        var json = $$"""[{"event_id":"{{Guid.CreateVersion7()}}","kind":"impression","occurred_at":"{{now}}","received_at":"{{now}}","offer_id":"1","affiliate_id":"2"}]""";
        var request = new HttpRequestMessage(HttpMethod.Post, "/t/events") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TrackingApp.BatchKey);
        return Assert503(request);
    }
}
