using Affiliate.Sdk.DependencyInjection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Affiliate.Sdk.AspNetCore.Tests;

public sealed class MappingTests
{
    private sealed record Marker;

    [Fact]
    public async Task Mapping_returns_a_group_whose_conventions_reach_every_endpoint()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddInMemoryCollection(TrackingApp.Settings());
        builder.Services.AddAffiliateSdk();
        builder.Services.AddSingleton<Pipeline.IEventPublisher>(new RecordingPublisher());
        await using var app = builder.Build();

        app.MapAffiliateTracking("/track").WithMetadata(new Marker());

        var endpoints = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>().ToList();
        Assert.Equal(
            ["/track/click", "/track/events", "/track/imp", "/track/postback"],
            endpoints.Select(e => e.RoutePattern.RawText).Order(StringComparer.Ordinal));
        Assert.All(endpoints, e => Assert.NotNull(e.Metadata.GetMetadata<Marker>()));
        Assert.Equal(["GET", "POST"], endpoints.Single(e => e.RoutePattern.RawText == "/track/postback").Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods);
    }

    [Fact]
    public async Task Mapping_without_AddAffiliateSdk_says_what_to_do()
    {
        await using var app = WebApplication.CreateSlimBuilder().Build();

        var error = Assert.Throws<InvalidOperationException>(() => app.MapAffiliateTracking("/t"));

        Assert.Contains("AddAffiliateSdk", error.Message, StringComparison.Ordinal);
    }
}
