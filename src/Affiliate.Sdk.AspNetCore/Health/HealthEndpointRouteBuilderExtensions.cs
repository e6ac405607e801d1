using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Affiliate.Sdk.AspNetCore;

/// <summary>Maps a health endpoint that reports every SDK component's state as JSON.</summary>
public static class HealthEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>GET {pattern}</c>: 200 while the process is live and every check is healthy or degraded, 503 when one is
    /// unhealthy; the body lists each check and, for the SDK's check, each pipeline component with its latest state.
    /// </summary>
    /// <param name="endpoints">The route builder.</param>
    /// <param name="pattern">The route, <c>/health</c> by default.</param>
    /// <returns>The endpoint, to add conventions.</returns>
    public static IEndpointConventionBuilder MapAffiliateHealth(this IEndpointRouteBuilder endpoints, string pattern = "/health")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return endpoints.MapHealthChecks(pattern, new HealthCheckOptions { ResponseWriter = WriteAsync });
    }

    private static async Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        await using var _ = writer.ConfigureAwait(false);
        writer.WriteStartObject();
        writer.WriteString("status", Name(report.Status));
        writer.WriteBoolean("live", true);
        writer.WriteBoolean("ready", report.Status != HealthStatus.Unhealthy);
        writer.WriteStartObject("checks");
        foreach (var (name, entry) in report.Entries)
        {
            writer.WriteStartObject(name);
            writer.WriteString("status", Name(entry.Status));
            writer.WriteString("description", entry.Description);
            if (entry.Data.Count > 0)
            {
                writer.WriteStartObject("components");
                foreach (var (component, value) in entry.Data)
                {
                    writer.WritePropertyName(component);
                    WriteComponent(writer, value);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private static void WriteComponent(Utf8JsonWriter writer, object value)
    {
        if (value is IEnumerable<KeyValuePair<string, object>> fields)
        {
            writer.WriteStartObject();
            foreach (var (key, field) in fields)
            {
                switch (field)
                {
                    case DateTimeOffset at:
                        writer.WriteString(key, at);
                        break;
                    default:
                        writer.WriteString(key, field?.ToString());
                        break;
                }
            }

            writer.WriteEndObject();
        }
        else
        {
            writer.WriteStringValue(value.ToString());
        }
    }

    private static string Name(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Degraded => "degraded",
        _ => "unhealthy",
    };
}
