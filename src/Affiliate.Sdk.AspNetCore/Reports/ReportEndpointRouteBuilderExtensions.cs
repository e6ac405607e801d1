using System.Globalization;
using System.Text.Json;
using Affiliate.Sdk.AspNetCore.Reports;
using Affiliate.Sdk.Reports;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Affiliate.Sdk.AspNetCore;

/// <summary>Maps the report API: <c>GET {pattern}?from=&amp;to=[&amp;tz=][&amp;grain=][&amp;groupBy=][&amp;metrics=][&amp;filter.{dimension}=][&amp;orderBy=][&amp;limit=]</c>.</summary>
public static class ReportEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>GET {pattern}</c> answering <c>{ "rows": [...], "totals": {...}, "freshness": "..." }</c> from the registered
    /// <see cref="IReportClient"/>. Bad parameters answer 400 problem+json naming each parameter (see docs/http-api.md).
    /// </summary>
    /// <param name="endpoints">The route builder.</param>
    /// <param name="pattern">The route, <c>/api/reports</c> by default.</param>
    /// <returns>The endpoint, to add conventions such as authorization.</returns>
    public static IEndpointConventionBuilder MapAffiliateReports(this IEndpointRouteBuilder endpoints, string pattern = "/api/reports")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return endpoints.MapGet(pattern, HandleAsync).WithName("AffiliateReports");
    }

    private static async Task HandleAsync(HttpContext context)
    {
        if (!ReportQueryParser.TryParse(context.Request.Query, out var query, out var errors))
        {
            await Results.Problem(
                title: "Invalid report query",
                detail: string.Join("; ", errors),
                statusCode: StatusCodes.Status400BadRequest,
                extensions: new Dictionary<string, object?> { ["errors"] = errors }).ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        var client = context.RequestServices.GetRequiredService<IReportClient>();
        ReportResult result;
        try
        {
            result = await client.QueryAsync(query!, context.RequestAborted).ConfigureAwait(false);
        }
        catch (ArgumentException ex)
        {
            await Results.Problem(title: "Invalid report query", detail: ex.Message, statusCode: StatusCodes.Status400BadRequest)
                .ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        await using (writer.ConfigureAwait(false))
        {
            Write(writer, query!, result);
            await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        }
    }

    internal static void Write(Utf8JsonWriter writer, ReportQuery query, ReportResult result)
    {
        var metrics = query.Metrics.Count > 0 ? query.Metrics : ReportNames.AllMetrics;
        writer.WriteStartObject();
        writer.WriteStartArray("rows");
        foreach (var row in result.Rows)
        {
            writer.WriteStartObject();
            if (query.Grain != ReportGrain.Total)
            {
                writer.WriteString("period", row.Period);
            }

            foreach (var dimension in query.GroupBy)
            {
                row.Dimensions.TryGetValue(dimension, out var value);
                writer.WriteString(ReportNames.Of(dimension), value);
            }

            WriteMetrics(writer, metrics, row.Metrics);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartObject("totals");
        WriteMetrics(writer, metrics, result.Totals);
        writer.WriteEndObject();
        if (result.Freshness is { } freshness)
        {
            writer.WriteString("freshness", freshness.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
        }
        else
        {
            writer.WriteNull("freshness");
        }

        writer.WriteEndObject();
    }

    private static void WriteMetrics(Utf8JsonWriter writer, IReadOnlyList<ReportMetric> metrics, IReadOnlyDictionary<ReportMetric, decimal> values)
    {
        foreach (var metric in metrics)
        {
            values.TryGetValue(metric, out var value);
            writer.WriteNumber(ReportNames.Of(metric), value);
        }
    }
}
