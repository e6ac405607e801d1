using System.Net;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.Json;
using Affiliate.Sdk.Pipeline;
using Microsoft.Extensions.DependencyInjection;

namespace Affiliate.Sdk.AspNetCore.Tests;

/// <summary>The endpoints over the SDK's default publisher: what was acknowledged is in the durable local log.</summary>
public sealed class LocalLogEndToEndTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "affiliate-capture-e2e-" + Guid.NewGuid().ToString("N"));
    private TrackingApp _app = null!;

    public async Task InitializeAsync()
    {
        var settings = TrackingApp.Settings();
        settings["AffiliateSdk:LocalLog:Directory"] = _directory;
        _app = await TrackingApp.StartAsync(publisher: null, settings);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Acknowledged_click_and_postback_are_in_the_local_log()
    {
        using var click = await _app.Client.GetAsync("/t/click?offer=1001&aff=42&sub1=e2e");
        Assert.Equal(HttpStatusCode.Found, click.StatusCode);
        var clickId = Http.Query(click.Headers.Location!)["cid"];
        var canonical = $"click_id={clickId}&txn_id=E2E-1";
        using var postback = await _app.Client.GetAsync($"/t/postback?{canonical}&sig={TrackingApp.Sign(canonical, TrackingApp.OldSecret)}");
        Assert.Equal(HttpStatusCode.OK, postback.StatusCode);

        var source = _app.Services.GetRequiredService<IEventSource>();
        var events = new List<TrackingEvent>();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (events.Count < 2)
        {
            var batch = await source.ReadAsync(100, TimeSpan.FromMilliseconds(200), deadline.Token);
            events.AddRange(batch.Records.Select(r => TrackingEventSerializer.Deserialize(r.Payload.Span)));
        }

        var recordedClick = Assert.Single(events, e => e.Kind == EventKind.Click);
        var conversion = Assert.Single(events, e => e.Kind == EventKind.Conversion);
        Assert.Equal((clickId, "e2e", "127.0.0.0/24"), (recordedClick.ClickId, recordedClick.Sub1, recordedClick.IpHash));
        Assert.Equal((clickId, "E2E-1"), (conversion.ClickId, conversion.TransactionId));
    }
}
