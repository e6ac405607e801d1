using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Affiliate.Sdk.SampleHost.Tests;

/// <summary>
/// The whole embedded pipeline through the real sample host over loopback HTTP: capture → local log → Parquet lake →
/// DuckDB medallion → report API, with every report number asserted exactly.
/// </summary>
public sealed class PipelineEndToEndTests
{
    private const string ShopSecret = "demo-postback-secret-adv-shop";
    private const string GamesToken = "demo-postback-token-adv-games";
    private const string BatchKey = "demo-batch-key-0123456789";

    [Fact]
    public async Task Traffic_sent_over_http_becomes_exact_affiliate_reports()
    {
        await using var host = await SampleHostProcess.StartAsync(new Dictionary<string, string>
        {
            ["AffiliateSdk__DuckDb__Interval"] = "00:00:01",
        });

        using var report = await SendTrafficAndReadExactReportAsync(host);
    }

    /// <summary>
    /// Sends the scenario's clicks, impressions, batch events and postbacks over HTTP, waits (with a deadline) until gold
    /// holds every kind of event sent, and asserts every report number exactly. Shared by each report back-end's test.
    /// </summary>
    internal static async Task<JsonDocument> SendTrafficAndReadExactReportAsync(SampleHostProcess host)
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress };

        // Clicks: affiliate 42 on offer 1001 from two visitors (one clicks twice), affiliate 43 from two visitors plus a bot.
        var a = await ClickAsync(http, "offer=1001&aff=42&sub1=spring", "visitor-1");
        await ClickAsync(http, "offer=1001&aff=42&sub1=spring", "visitor-2");
        await ClickAsync(http, "offer=1001&aff=42&sub1=spring", "visitor-1");
        var b = await ClickAsync(http, "offer=1001&aff=43", "visitor-3");
        var c = await ClickAsync(http, "offer=1001&aff=43", "visitor-4");
        await ClickAsync(http, "offer=1001&aff=43", null, "Googlebot/2.1 (+http://www.google.com/bot.html)");
        var d = await ClickAsync(http, "offer=2001&aff=42&campaign=c9", "visitor-5");
        var f = await ClickAsync(http, "offer=1002&aff=42", "visitor-6");
        for (var i = 0; i < 4; i++)
        {
            await ImpressionAsync(http, "offer=1001&aff=42", $"visitor-{i}");
        }

        await ImpressionAsync(http, "offer=1001&aff=43", "visitor-3");
        await ImpressionAsync(http, "offer=1001&aff=43", "visitor-4");

        // A click from two days ago sent by a server-side sender, on an offer with a one-day attribution window.
        var lateClickId = "batch-click-" + Guid.NewGuid().ToString("N");
        var twoDaysAgo = DateTimeOffset.UtcNow.AddDays(-2);
        var batch = $$"""
            [{"event_id":"{{Guid.CreateVersion7(twoDaysAgo)}}","kind":"click","occurred_at":"{{twoDaysAgo:O}}","received_at":"{{twoDaysAgo:O}}",
              "click_id":"{{lateClickId}}","offer_id":"2001","affiliate_id":"44","user_agent":"Mozilla/5.0 (visitor-7)","ip_hash":"e2e"}]
            """;
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/t/events") { Content = new StringContent(batch, Encoding.UTF8, "application/json") })
        {
            request.Headers.Authorization = new("Bearer", BatchKey);
            using var response = await http.SendAsync(request);
            Assert.True(response.IsSuccessStatusCode, $"batch answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        // Postbacks: approved (sent twice), pending, rejected, a token-authenticated one, revenue share in EUR,
        // one for a click id nobody issued, and one outside the attribution window.
        await SignedPostbackAsync(http, a, "T1", "approved");
        await SignedPostbackAsync(http, a, "T1", "approved");
        await SignedPostbackAsync(http, b, "T2", "pending");
        await SignedPostbackAsync(http, c, "T3", "rejected");
        await PostbackAsync(http, $"adv=adv-games&click_id={d}&status=approved&token={GamesToken}&txn_id=T4");
        await SignedPostbackAsync(http, f, "T6", "approved", "&amount=200.00&currency=EUR");
        await SignedPostbackAsync(http, "no-such-click", "T5", "approved");
        await PostbackAsync(http, $"adv=adv-games&click_id={lateClickId}&status=approved&token={GamesToken}&txn_id=T7");
        var lastSent = DateTimeOffset.UtcNow;

        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var query = $"/api/reports?from={today.AddDays(-3):yyyy-MM-dd}&to={today.AddDays(1):yyyy-MM-dd}&grain=total"
            + "&groupBy=affiliate,offer&orderBy=affiliate,offer";
        // The lake writer commits each partition (kind, day, hour) as its own file, in parallel, so a medallion run can see
        // the conversions before the impressions of the same flush: wait until every kind of event sent has reached gold.
        var report = await WaitForReportAsync(http, host, query, lastSent, new Dictionary<string, decimal>
        {
            ["impressions"] = 6, ["clicks"] = 8, ["bot_clicks"] = 1, ["conversions"] = 3, ["pending_conversions"] = 1, ["rejected_conversions"] = 1,
        });

        var rows = report.RootElement.GetProperty("rows").EnumerateArray()
            .ToDictionary(r => (r.GetProperty("affiliate").GetString(), r.GetProperty("offer").GetString()));
        Assert.Equal(5, rows.Count);
        AssertRow(rows[("42", "1001")], impressions: 4, clicks: 3, unique: 2, bots: 0, conversions: 1, pending: 0, rejected: 0, revenue: 12.5m, payout: 9m);
        AssertRow(rows[("42", "1002")], impressions: 0, clicks: 1, unique: 1, bots: 0, conversions: 1, pending: 0, rejected: 0, revenue: 21.6m, payout: 16.2m);
        AssertRow(rows[("42", "2001")], impressions: 0, clicks: 1, unique: 1, bots: 0, conversions: 1, pending: 0, rejected: 0, revenue: 2m, payout: 1.4m);
        AssertRow(rows[("43", "1001")], impressions: 2, clicks: 2, unique: 2, bots: 1, conversions: 0, pending: 1, rejected: 1, revenue: 0m, payout: 0m);
        AssertRow(rows[("44", "2001")], impressions: 0, clicks: 1, unique: 1, bots: 0, conversions: 0, pending: 0, rejected: 0, revenue: 0m, payout: 0m);

        var totals = report.RootElement.GetProperty("totals");
        Assert.Equal(36.1m, totals.GetProperty("revenue").GetDecimal());
        Assert.Equal(26.6m, totals.GetProperty("payout").GetDecimal());
        Assert.Equal(9.5m, totals.GetProperty("profit").GetDecimal());
        Assert.Equal(8m, totals.GetProperty("clicks").GetDecimal());
        Assert.Equal(3m / 8m, totals.GetProperty("cr").GetDecimal());
        Assert.Equal(Math.Round(8m / 6m, 6, MidpointRounding.AwayFromZero), totals.GetProperty("ctr").GetDecimal());
        return report;
    }

    [Fact]
    public async Task Offers_health_and_refusals_answer_as_documented()
    {
        await using var host = await SampleHostProcess.StartAsync(new Dictionary<string, string>());
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress };

        using var offers = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/offers", UriKind.Relative)));
        var ids = offers.RootElement.GetProperty("offers").EnumerateArray().Select(o => o.GetProperty("id").GetString()).ToList();
        Assert.Equal(["1001", "1002", "2001", "2002"], ids);
        Assert.DoesNotContain("demo-postback", offers.RootElement.GetRawText(), StringComparison.Ordinal);

        // Each pipeline component reports once it has run; wait for both workers with a deadline.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        JsonElement components;
        while (true)
        {
            using var health = JsonDocument.Parse(await http.GetStringAsync(new Uri("/health", UriKind.Relative)));
            Assert.True(health.RootElement.GetProperty("live").GetBoolean());
            var check = health.RootElement.GetProperty("checks").GetProperty("affiliate_sdk");
            if (check.TryGetProperty("components", out var found) && found.TryGetProperty("medallion", out _) && found.TryGetProperty("stream_to_lake", out _))
            {
                components = found.Clone();
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the pipeline components did not report within 60 s: {check.GetRawText()}\n{host.Output}");
            await Task.Delay(250);
        }

        Assert.Equal("healthy", components.GetProperty("stream_to_lake").GetProperty("status").GetString());
        Assert.Equal("healthy", components.GetProperty("medallion").GetProperty("status").GetString());

        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri("/t/click?offer=2002&aff=1", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync(new Uri("/api/reports?from=2026-01-02&to=2026-01-01", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task An_offers_file_given_on_the_command_line_replaces_the_demo_catalogue()
    {
        var file = Path.Combine(Path.GetTempPath(), $"offers-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, """
            {
              "Advertisers": [ { "Id": "adv-x", "PostbackSecrets": [ "a-secret-of-sixteen-chars" ] } ],
              "Offers": [ { "Id": "X-1", "AdvertiserId": "adv-x", "UrlTemplate": "https://x.example/?c={click_id}",
                            "Revenue": { "Kind": "Flat", "Value": 3 }, "Payout": { "Kind": "Flat", "Value": 2 } } ]
            }
            """);
        try
        {
            await using var host = await SampleHostProcess.StartAsync(new Dictionary<string, string>(), "--offers", file);
            using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress };

            using var offers = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/offers", UriKind.Relative)));

            Assert.Equal(["X-1"], offers.RootElement.GetProperty("offers").EnumerateArray().Select(o => o.GetProperty("id").GetString()));
            Assert.Equal(HttpStatusCode.Found, (await http.GetAsync(new Uri("/t/click?offer=X-1&aff=1", UriKind.Relative))).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri("/t/click?offer=1001&aff=1", UriKind.Relative))).StatusCode);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static async Task<JsonDocument> WaitForReportAsync(
        HttpClient http, SampleHostProcess host, string query, DateTimeOffset lastSent, IReadOnlyDictionary<string, decimal> atLeast)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        string last = "(no answer)";
        while (DateTime.UtcNow < deadline)
        {
            using var response = await http.GetAsync(new Uri(query, UriKind.Relative));
            last = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"report answered {(int)response.StatusCode}: {last}");
            var document = JsonDocument.Parse(last);
            var root = document.RootElement;
            var fresh = root.GetProperty("freshness").ValueKind == JsonValueKind.String
                && root.GetProperty("freshness").GetDateTimeOffset() >= lastSent.AddSeconds(-1);
            var totals = root.GetProperty("totals");
            if (fresh && atLeast.All(m => totals.GetProperty(m.Key).GetDecimal() >= m.Value))
            {
                return document;
            }

            document.Dispose();
            await Task.Delay(500);
        }

        throw new TimeoutException($"Gold did not catch up within 90 s. Last report: {last}\nHost output:\n{host.Output}");
    }

    private static void AssertRow(JsonElement row, long impressions, long clicks, long unique, long bots, long conversions, long pending, long rejected, decimal revenue, decimal payout)
    {
        var actual = (
            row.GetProperty("impressions").GetInt64(), row.GetProperty("clicks").GetInt64(), row.GetProperty("unique_clicks").GetInt64(),
            row.GetProperty("bot_clicks").GetInt64(), row.GetProperty("conversions").GetInt64(), row.GetProperty("pending_conversions").GetInt64(),
            row.GetProperty("rejected_conversions").GetInt64(), row.GetProperty("revenue").GetDecimal(), row.GetProperty("payout").GetDecimal());
        Assert.Equal((impressions, clicks, unique, bots, conversions, pending, rejected, revenue, payout), actual);
    }

    private static async Task<string> ClickAsync(HttpClient http, string query, string? visitor, string? userAgent = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/t/click?" + query);
        request.Headers.TryAddWithoutValidation("User-Agent", userAgent ?? $"Mozilla/5.0 (X11; Linux x86_64) e2e/{visitor}");
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        var location = response.Headers.Location!.ToString();
        var parameters = location[(location.IndexOf('?', StringComparison.Ordinal) + 1)..].Split('&')
            .Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => Uri.UnescapeDataString(p[1]));
        return parameters.TryGetValue("cid", out var cid) ? cid : parameters.TryGetValue("click", out var click) ? click : parameters["ref"];
    }

    private static async Task ImpressionAsync(HttpClient http, string query, string visitor)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/t/imp?" + query);
        request.Headers.TryAddWithoutValidation("User-Agent", $"Mozilla/5.0 (X11; Linux x86_64) e2e/{visitor}");
        using var response = await http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"impression answered {(int)response.StatusCode}");
    }

    private static Task SignedPostbackAsync(HttpClient http, string clickId, string txn, string status, string extra = "")
    {
        var parameters = $"click_id={Uri.EscapeDataString(clickId)}&status={status}&txn_id={txn}{extra}";
        var canonical = string.Join('&', parameters.Split('&').OrderBy(p => p[..p.IndexOf('=', StringComparison.Ordinal)], StringComparer.Ordinal));
        var sig = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(ShopSecret), Encoding.UTF8.GetBytes(canonical)));
        return PostbackAsync(http, $"{canonical}&sig={sig}");
    }

    private static async Task PostbackAsync(HttpClient http, string query)
    {
        using var response = await http.GetAsync(new Uri("/t/postback?" + query, UriKind.Relative));
        Assert.True(response.IsSuccessStatusCode, $"postback {query} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }
}
