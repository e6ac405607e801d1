using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Affiliate.Sdk.AspNetCore.Tests;

public sealed class EventsBatchTests(RecordingAppFixture fixture) : IClassFixture<RecordingAppFixture>
{
    private readonly HttpClient _client = fixture.App.Client;

    private static string Impression(Guid id, string? offer = "1001") =>
        $$"""{"event_id":"{{id}}","kind":"impression","occurred_at":"{{DateTimeOffset.UtcNow:O}}","received_at":"{{DateTimeOffset.UtcNow:O}}"{{(offer is null ? "" : $",\"offer_id\":\"{offer}\"")}},"affiliate_id":"7"}""";

    private static HttpRequestMessage Post(string json, string? key = TrackingApp.BatchKey, string mediaType = "application/json")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/t/events") { Content = new StringContent(json, Encoding.UTF8, mediaType) };
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return request;
    }

    [Fact]
    public async Task Batch_answers_per_event_and_records_only_valid_events()
    {
        var good = Guid.CreateVersion7();
        var invalid = Guid.CreateVersion7();
        // The events state no schema_version: it reads as the current version.
        var json = $$"""[{{Impression(good)}},{{Impression(invalid, offer: null)}},{"kind":"click"},42]""";

        using var response = await _client.SendAsync(Post(json));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = body.RootElement;
        Assert.Equal((1, 3), (root.GetProperty("accepted").GetInt32(), root.GetProperty("rejected").GetInt32()));
        var results = root.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(["accepted", "invalid", "invalid", "invalid"], results.Select(r => r.GetProperty("status").GetString()));
        Assert.Equal(good, results[0].GetProperty("event_id").GetGuid());
        Assert.Equal("offer_id", results[1].GetProperty("errors")[0].GetProperty("field").GetString());
        Assert.Contains("event_id", results[2].GetProperty("errors")[0].GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Single(fixture.Publisher.Events, e => e.EventId == good);
        Assert.DoesNotContain(fixture.Publisher.Events, e => e.EventId == invalid);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-key-0123456789abcdef")]
    public async Task Batch_without_a_valid_api_key_is_401(string? key)
    {
        using var response = await _client.SendAsync(Post($"[{Impression(Guid.CreateVersion7())}]", key));

        await Http.ProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[{\"event_id\":")]
    [InlineData("{\"event_id\":1}")]
    [InlineData("[] []")]
    [InlineData("[]")]
    [InlineData("not json")]
    public async Task Malformed_batch_is_400_problem_naming_the_problem(string json)
    {
        using var response = await _client.SendAsync(Post(json));

        var problem = await Http.ProblemAsync(response, HttpStatusCode.BadRequest);
        Http.NamesField(problem, "body");
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
    }

    [Fact]
    public async Task Batch_that_is_not_json_is_415()
    {
        using var response = await _client.SendAsync(Post("[]", mediaType: "text/plain"));

        await Http.ProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task Batch_over_the_byte_limit_is_413()
    {
        var json = "[" + string.Join(',', Enumerable.Range(0, 60).Select(_ => Impression(Guid.CreateVersion7()))) + "]";

        using var response = await _client.SendAsync(Post(json));

        await Http.ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Batch_over_the_event_limit_is_413_and_records_nothing()
    {
        var ids = Enumerable.Range(0, 11).Select(_ => Guid.CreateVersion7()).ToList();
        var json = "[" + string.Join(',', ids.Select(id => Impression(id))) + "]";

        using var response = await _client.SendAsync(Post(json));

        await Http.ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.DoesNotContain(fixture.Publisher.Events, e => ids.Contains(e.EventId));
    }
}
