using System.Net;
using System.Text.Json;
using Affiliate.Sdk.ClickIds;
using Affiliate.Sdk.Events;
using Microsoft.Extensions.DependencyInjection;

namespace Affiliate.Sdk.AspNetCore.Tests;

public sealed class PostbackTests(RecordingAppFixture fixture) : IClassFixture<RecordingAppFixture>
{
    private readonly HttpClient _client = fixture.App.Client;

    private string NewClickId() => fixture.App.Services.GetRequiredService<ClickIdCodec>().Issue(Guid.CreateVersion7());

    private TrackingEvent Recorded(string txn) => Assert.Single(fixture.Publisher.Events, e => e.TransactionId == txn);

    private static string Txn() => "T-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task Signed_postback_as_the_smoke_script_computes_it_is_recorded()
    {
        var clickId = NewClickId();
        var txn = Txn();
        var canonical = $"amount=49.90&click_id={clickId}&currency=USD&status=approved&txn_id={txn}";

        using var response = await _client.GetAsync($"/t/postback?{canonical}&sig={TrackingApp.Sign(canonical, TrackingApp.OldSecret)}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("adv-1", body.RootElement.GetProperty("advertiser_id").GetString());
        var conversion = Recorded(txn);
        Assert.Equal(body.RootElement.GetProperty("event_id").GetGuid(), conversion.EventId);
        Assert.Equal((EventKind.Conversion, clickId, ConversionStatus.Approved), (conversion.Kind, conversion.ClickId, conversion.Status));
        Assert.Equal(new Money(49.90m, "USD"), conversion.SaleAmount);
        Assert.False(conversion.IsBot);
    }

    [Fact]
    public async Task Parameter_order_and_percent_encoding_variants_do_not_change_the_signature()
    {
        var clickId = NewClickId();
        var txn = Txn();
        var canonical = $"click_id={clickId}&status=pending&txn_id={txn}%2FA%20B";
        var sig = TrackingApp.Sign(canonical, TrackingApp.NewSecret);

        // Same parameters: different order, '+' for space and lower-case hex.
        using var response = await _client.GetAsync($"/t/postback?sig={sig}&txn_id={txn}%2fA+B&status=pending&click_id={clickId}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(ConversionStatus.Pending, Recorded(txn + "/A B").Status);
    }

    [Fact]
    public async Task Tampered_postback_is_401()
    {
        var clickId = NewClickId();
        var canonical = $"amount=49.90&click_id={clickId}&currency=USD&txn_id=T-tamper";
        var sig = TrackingApp.Sign(canonical, TrackingApp.OldSecret);

        using var response = await _client.GetAsync($"/t/postback?amount=4990.00&click_id={clickId}&currency=USD&txn_id=T-tamper&sig={sig}");

        await Http.ProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.DoesNotContain(fixture.Publisher.Events, e => e.TransactionId == "T-tamper");
    }

    [Theory]
    [InlineData("wrong-secret-0123456789")]
    [InlineData("")]
    public async Task Signature_under_a_wrong_secret_or_a_missing_one_is_401(string secret)
    {
        var canonical = $"click_id={NewClickId()}&txn_id=T-wrong";
        var url = secret.Length == 0 ? $"/t/postback?{canonical}" : $"/t/postback?{canonical}&sig={TrackingApp.Sign(canonical, secret)}";

        using var response = await _client.GetAsync(url);

        await Http.ProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("0000")]
    [InlineData("zz")]
    public async Task Malformed_signature_is_401(string sig)
    {
        using var response = await _client.GetAsync($"/t/postback?click_id={NewClickId()}&sig={sig}");

        await Http.ProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Both_secrets_of_a_rotation_verify()
    {
        foreach (var secret in new[] { TrackingApp.OldSecret, TrackingApp.NewSecret })
        {
            var txn = Txn();
            var canonical = $"click_id={NewClickId()}&txn_id={txn}";

            using var response = await _client.GetAsync($"/t/postback?{canonical}&sig={TrackingApp.Sign(canonical, secret)}");

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Recorded(txn);
        }
    }

    [Fact]
    public async Task Adv_parameter_restricts_the_check_to_that_advertiser()
    {
        var txn = Txn();
        var asAdv1 = $"adv=adv-1&click_id={NewClickId()}&txn_id={txn}";
        var asAdv2 = $"adv=adv-2&click_id={NewClickId()}&txn_id={txn}";

        using var wrongAdvertiser = await _client.GetAsync($"/t/postback?{asAdv1}&sig={TrackingApp.Sign(asAdv1, TrackingApp.Adv2Secret)}");
        using var unknownAdvertiser = await _client.GetAsync($"/t/postback?adv=nobody&click_id=x&sig={TrackingApp.Sign("adv=nobody&click_id=x", TrackingApp.Adv2Secret)}");
        using var right = await _client.GetAsync($"/t/postback?{asAdv2}&sig={TrackingApp.Sign(asAdv2, TrackingApp.Adv2Secret)}");

        await Http.ProblemAsync(wrongAdvertiser, HttpStatusCode.Unauthorized);
        await Http.ProblemAsync(unknownAdvertiser, HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        using var body = JsonDocument.Parse(await right.Content.ReadAsStringAsync());
        Assert.Equal("adv-2", body.RootElement.GetProperty("advertiser_id").GetString());
    }

    [Fact]
    public async Task Token_authenticates_and_a_wrong_token_is_401()
    {
        var txn = Txn();

        using var ok = await _client.GetAsync($"/t/postback?click_id={NewClickId()}&txn_id={txn}&token={TrackingApp.Token}");
        using var bad = await _client.GetAsync($"/t/postback?click_id={NewClickId()}&txn_id=T-badtoken&token=token-adv1-0123456780");

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Recorded(txn);
        await Http.ProblemAsync(bad, HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("not-a-click-id")]
    [InlineData("AQEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task Unknown_or_malformed_click_id_is_still_accepted_and_recorded(string clickId)
    {
        var txn = Txn();
        var canonical = $"click_id={clickId}&txn_id={txn}";

        using var response = await _client.GetAsync($"/t/postback?{canonical}&sig={TrackingApp.Sign(canonical, TrackingApp.OldSecret)}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(clickId, Recorded(txn).ClickId);
    }

    [Fact]
    public async Task Form_encoded_post_is_signed_over_query_and_body_together()
    {
        var clickId = NewClickId();
        var txn = Txn();
        var canonical = $"adv=adv-1&amount=10.5&click_id={clickId}&currency=eur&status=rejected&txn_id={txn}";
        var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["click_id"] = clickId,
            ["txn_id"] = txn,
            ["amount"] = "10.5",
            ["currency"] = "eur",
            ["status"] = "rejected",
            ["sig"] = TrackingApp.Sign(canonical, TrackingApp.NewSecret),
        });

        using var response = await _client.PostAsync("/t/postback?adv=adv-1", form);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var conversion = Recorded(txn);
        Assert.Equal((ConversionStatus.Rejected, new Money(10.5m, "EUR")), (conversion.Status, conversion.SaleAmount));
    }

    [Theory]
    [InlineData("amount=12%2C50&currency=USD", "amount")]
    [InlineData("amount=1e3&currency=USD", "amount")]
    [InlineData("amount=-5&currency=USD", "amount")]
    [InlineData("amount=5&currency=US", "currency")]
    [InlineData("amount=5&currency=U1D", "currency")]
    [InlineData("currency=USD", "amount")]
    [InlineData("status=maybe", "status")]
    [InlineData("txn_id=a&txn_id=b", "txn_id")]
    public async Task Malformed_postback_field_is_400_naming_it(string fields, string field)
    {
        var clickId = NewClickId();
        var parameters = $"click_id={clickId}&{fields}";
        var canonical = string.Join('&', parameters.Split('&').Order(StringComparer.Ordinal));

        using var response = await _client.GetAsync($"/t/postback?{parameters}&sig={TrackingApp.Sign(canonical, TrackingApp.OldSecret)}");

        Http.NamesField(await Http.ProblemAsync(response, HttpStatusCode.BadRequest), field);
    }

    [Fact]
    public async Task Signed_postback_without_click_id_is_400()
    {
        using var response = await _client.GetAsync($"/t/postback?txn_id=x&sig={TrackingApp.Sign("txn_id=x", TrackingApp.OldSecret)}");

        Http.NamesField(await Http.ProblemAsync(response, HttpStatusCode.BadRequest), "click_id");
    }

    [Fact]
    public async Task Postback_body_over_the_limit_is_413()
    {
        var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["click_id"] = "x", ["pad"] = new string('p', 2000) });

        using var response = await _client.PostAsync("/t/postback", form);

        await Http.ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Chunked_postback_body_over_the_limit_is_413()
    {
        var content = new StreamContent(new MemoryStream(System.Text.Encoding.ASCII.GetBytes("click_id=x&pad=" + new string('p', 4000))));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-www-form-urlencoded");
        var request = new HttpRequestMessage(HttpMethod.Post, "/t/postback") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await _client.SendAsync(request);

        await Http.ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }
}
