using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Affiliate.Sdk.AspNetCore;
using Affiliate.Sdk.DependencyInjection;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.Pipeline;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Affiliate.Sdk.AspNetCore.Tests;

/// <summary>Records what it is asked to publish, as a durable publisher that always succeeds.</summary>
public sealed class RecordingPublisher : IEventPublisher
{
    public ConcurrentQueue<TrackingEvent> Events { get; } = new();

    public ValueTask PublishAsync(TrackingEvent trackingEvent, CancellationToken cancellationToken)
    {
        Events.Enqueue(trackingEvent);
        return ValueTask.CompletedTask;
    }

    public ValueTask PublishBatchAsync(IReadOnlyList<TrackingEvent> events, CancellationToken cancellationToken)
    {
        foreach (var e in events)
        {
            Events.Enqueue(e);
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>A publisher whose stream is down: nothing is ever accepted.</summary>
public sealed class FailingPublisher : IEventPublisher
{
    public ValueTask PublishAsync(TrackingEvent trackingEvent, CancellationToken cancellationToken) =>
        ValueTask.FromException(new PublishException("The stream is unavailable."));

    public ValueTask PublishBatchAsync(IReadOnlyList<TrackingEvent> events, CancellationToken cancellationToken) =>
        ValueTask.FromException(new PublishException("The stream is unavailable."));
}

/// <summary>A real Kestrel host on a free loopback port with the capture endpoints under <c>/t</c>.</summary>
public sealed class TrackingApp : IAsyncDisposable
{
    public const string OldSecret = "old-secret-0123456789";
    public const string NewSecret = "new-secret-0123456789";
    public const string Adv2Secret = "adv2-secret-0123456789";
    public const string Token = "token-adv1-0123456789";
    public const string BatchKey = "batch-key-0123456789abcdef";

    private readonly WebApplication _app;

    private TrackingApp(WebApplication app, HttpClient client)
    {
        _app = app;
        Client = client;
    }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public static Dictionary<string, string?> Settings() => new()
    {
        ["AffiliateSdk:ClickIds:ActiveKeyId"] = "1",
        ["AffiliateSdk:ClickIds:Keys:0:Id"] = "1",
        ["AffiliateSdk:ClickIds:Keys:0:Secret"] = Convert.ToBase64String(Enumerable.Range(0, 32).Select(i => (byte)(i * 3)).ToArray()),
        ["AffiliateSdk:Advertisers:0:Id"] = "adv-1",
        ["AffiliateSdk:Advertisers:0:PostbackSecrets:0"] = OldSecret,
        ["AffiliateSdk:Advertisers:0:PostbackSecrets:1"] = NewSecret,
        ["AffiliateSdk:Advertisers:0:PostbackTokens:0"] = Token,
        ["AffiliateSdk:Advertisers:1:Id"] = "adv-2",
        ["AffiliateSdk:Advertisers:1:PostbackSecrets:0"] = Adv2Secret,
        ["AffiliateSdk:Offers:0:Id"] = "1001",
        ["AffiliateSdk:Offers:0:AdvertiserId"] = "adv-1",
        ["AffiliateSdk:Offers:0:UrlTemplate"] = "https://shop.example/landing?cid={click_id}&aff={aff_id}&s1={sub1}&s2={sub2}",
        ["AffiliateSdk:Offers:0:Revenue:Value"] = "10",
        ["AffiliateSdk:Offers:0:Payout:Value"] = "7",
        ["AffiliateSdk:Offers:1:Id"] = "paused",
        ["AffiliateSdk:Offers:1:AdvertiserId"] = "adv-1",
        ["AffiliateSdk:Offers:1:UrlTemplate"] = "https://shop.example/p?cid={click_id}",
        ["AffiliateSdk:Offers:1:Status"] = "Paused",
        ["AffiliateSdk:Offers:2:Id"] = "path",
        ["AffiliateSdk:Offers:2:AdvertiserId"] = "adv-2",
        ["AffiliateSdk:Offers:2:UrlTemplate"] = "https://other.example/go/{sub1}/{click_id}",
        ["AffiliateSdk:Capture:BatchApiKeys:0"] = BatchKey,
        ["AffiliateSdk:Capture:MaxPostbackBytes"] = "512",
        ["AffiliateSdk:Capture:MaxBatchBytes"] = "8192",
        ["AffiliateSdk:Capture:MaxBatchEvents"] = "10",
        ["AffiliateSdk:Capture:RetryAfterSeconds"] = "7",
        ["AffiliateSdk:Capture:CountryHeader"] = "X-Country",
    };

    /// <summary>Starts the app; a null publisher keeps the SDK's default (the durable local log).</summary>
    public static async Task<TrackingApp> StartAsync(IEventPublisher? publisher, Dictionary<string, string?>? settings = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddInMemoryCollection(settings ?? Settings());
        builder.Logging.ClearProviders();
        builder.Services.AddAffiliateSdk();
        if (publisher is not null)
        {
            builder.Services.AddSingleton(publisher);
        }

        var app = builder.Build();
        app.Urls.Add("http://127.0.0.1:0");
        app.MapAffiliateTracking("/t");
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = new Uri(address) };
        return new TrackingApp(app, client);
    }

    public static string Sign(string canonical, string secret) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(canonical)));

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>One app with a recording publisher, shared by a test class.</summary>
public sealed class RecordingAppFixture : IAsyncLifetime
{
    public RecordingPublisher Publisher { get; } = new();

    public TrackingApp App { get; private set; } = null!;

    public async Task InitializeAsync() => App = await TrackingApp.StartAsync(Publisher);

    public async Task DisposeAsync() => await App.DisposeAsync();
}
