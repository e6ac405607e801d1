using System.Net;
using Affiliate.Sdk.AspNetCore;
using Affiliate.Sdk.DependencyInjection;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.Pipeline;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Affiliate.Sdk.Benchmarks;

/// <summary>
/// Cost of one click through the real endpoint pipeline (the RequestDelegate that MapAffiliateTracking maps: query
/// parsing, validation, UUIDv7 + signed click id, bot filter, IP anonymising, URL template, publish, 302) against a
/// bare delegate answering the same 302. The publisher completes at once, so only capture's own cost is measured.
/// Run: dotnet run -c Release --project benchmarks/Affiliate.Sdk.Benchmarks -- --filter '*ClickEndpoint*' --job short
/// </summary>
[MemoryDiagnoser]
public class ClickEndpointBenchmarks
{
    private const string Query = "?offer=1001&aff=42&campaign=spring&sub1=banner-7&sub2=de";
    private static readonly IPAddress Client = IPAddress.Parse("203.0.113.77");

    private WebApplication _app = null!;
    private RequestDelegate _click = null!;
    private RequestDelegate _bare = null!;

    [GlobalSetup]
    public void Setup()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AffiliateSdk:ClickIds:ActiveKeyId"] = "1",
            ["AffiliateSdk:ClickIds:Keys:0:Id"] = "1",
            ["AffiliateSdk:ClickIds:Keys:0:Secret"] = Convert.ToBase64String(new byte[32]),
            ["AffiliateSdk:Advertisers:0:Id"] = "adv-1",
            ["AffiliateSdk:Offers:0:Id"] = "1001",
            ["AffiliateSdk:Offers:0:AdvertiserId"] = "adv-1",
            ["AffiliateSdk:Offers:0:UrlTemplate"] = "https://shop.example/landing?cid={click_id}&aff={aff_id}&s1={sub1}",
            ["AffiliateSdk:Capture:IpAnonymization"] = "Hash",
            ["AffiliateSdk:Capture:IpHashSalt"] = "benchmark-salt-0123456789",
        });
        builder.Services.AddAffiliateSdk();
        builder.Services.AddSingleton<IEventPublisher, CompletedPublisher>();
        _app = builder.Build();
        _app.MapAffiliateTracking("/t");

        var endpoints = ((IEndpointRouteBuilder)_app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>();
        _click = endpoints.Single(e => e.RoutePattern.RawText == "/t/click").RequestDelegate!;
        _bare = static context =>
        {
            context.Response.StatusCode = StatusCodes.Status302Found;
            context.Response.Headers.Location = "https://shop.example/landing";
            return Task.CompletedTask;
        };
    }

    [GlobalCleanup]
    public void Cleanup() => _app.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Baseline = true, Description = "bare 302")]
    public Task BareRedirect() => _bare(NewContext());

    [Benchmark(Description = "click endpoint 302")]
    public Task Click()
    {
        var context = NewContext();
        var task = _click(context);
        if (context.Response.StatusCode != StatusCodes.Status302Found)
        {
            throw new InvalidOperationException($"The click answered {context.Response.StatusCode}.");
        }

        return task;
    }

    private static DefaultHttpContext NewContext()
    {
        var context = new DefaultHttpContext();
        context.Request.Method = HttpMethods.Get;
        context.Request.Path = "/t/click";
        context.Request.QueryString = new QueryString(Query);
        context.Request.Headers.UserAgent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36";
        context.Connection.RemoteIpAddress = Client;
        context.Response.Body = Stream.Null;
        return context;
    }

    private sealed class CompletedPublisher : IEventPublisher
    {
        public ValueTask PublishAsync(TrackingEvent trackingEvent, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask PublishBatchAsync(IReadOnlyList<TrackingEvent> events, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
