using Affiliate.Sdk.AspNetCore.Capture;
using Affiliate.Sdk.Capture;
using Affiliate.Sdk.Offers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.AspNetCore;

/// <summary>Maps the HTTP capture endpoints of Affiliate.Sdk.</summary>
public static class AffiliateTrackingEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>GET {prefix}/click</c>, <c>GET {prefix}/imp</c>, <c>GET|POST {prefix}/postback</c> and <c>POST {prefix}/events</c>
    /// (see docs/http-api.md). Requires <c>services.AddAffiliateSdk()</c>.
    /// </summary>
    /// <param name="endpoints">The application or a route group.</param>
    /// <param name="prefix">The path the endpoints live under, e.g. <c>/t</c>.</param>
    /// <returns>The route group, to add conventions (rate limiting, host filters, CORS) to.</returns>
    public static RouteGroupBuilder MapAffiliateTracking(this IEndpointRouteBuilder endpoints, string prefix = "/t")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(prefix);
        var services = endpoints.ServiceProvider;
        var tracker = services.GetService<IAffiliateTracker>()
            ?? throw new InvalidOperationException("IAffiliateTracker is not registered: call services.AddAffiliateSdk() before MapAffiliateTracking.");
        var handlers = new TrackingEndpoints(
            tracker,
            services.GetRequiredService<IOfferCatalog>(),
            services.GetRequiredService<IOptions<CaptureOptions>>().Value,
            services.GetRequiredService<ILoggerFactory>().CreateLogger("Affiliate.Sdk.AspNetCore.TrackingEndpoints"));

        var group = endpoints.MapGroup(prefix);
        group.MapGet("click", handlers.ClickAsync).WithDisplayName("Affiliate click redirect");
        group.MapGet("imp", handlers.ImpressionAsync).WithDisplayName("Affiliate impression pixel");
        group.MapMethods("postback", [HttpMethods.Get, HttpMethods.Post], handlers.PostbackAsync).WithDisplayName("Affiliate conversion postback");
        group.MapPost("events", handlers.EventsAsync).WithDisplayName("Affiliate event batch");
        return group;
    }
}
