using System.Buffers;
using System.Text.Json;
using Affiliate.Sdk.Events;
using Microsoft.AspNetCore.Http;

namespace Affiliate.Sdk.AspNetCore.Capture;

/// <summary>Writes RFC 9457 problem details (<c>application/problem+json</c>), naming each offending field.</summary>
internal static class Problems
{
    public const string ContentType = "application/problem+json";

    public static Task WriteAsync(HttpContext context, int status, string title, string detail, IReadOnlyList<FieldError>? errors = null)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = ContentType;
        response.Headers.CacheControl = "no-store";
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", TypeOf(status));
            writer.WriteString("title", title);
            writer.WriteNumber("status", status);
            writer.WriteString("detail", detail);
            writer.WriteString("instance", context.Request.Path.Value);
            if (errors is { Count: > 0 })
            {
                // Grouped by field as ASP.NET's validation problems are: { "errors": { "offer": ["…"] } }.
                writer.WriteStartObject("errors");
                var written = new HashSet<string>(StringComparer.Ordinal);
                foreach (var error in errors)
                {
                    if (!written.Add(error.Field))
                    {
                        continue;
                    }

                    writer.WriteStartArray(error.Field);
                    foreach (var same in errors)
                    {
                        if (same.Field == error.Field)
                        {
                            writer.WriteStringValue(same.Message);
                        }
                    }

                    writer.WriteEndArray();
                }

                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        response.ContentLength = buffer.WrittenCount;
        return response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).AsTask();
    }

    /// <summary>One sentence naming every problem: <c>offer: is required; sub1: must be at most 256 characters</c>.</summary>
    public static string Describe(IReadOnlyList<FieldError> errors) => string.Join("; ", errors);

    private static string TypeOf(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.1",
        StatusCodes.Status401Unauthorized => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.2",
        StatusCodes.Status404NotFound => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.5",
        StatusCodes.Status413PayloadTooLarge => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.14",
        StatusCodes.Status415UnsupportedMediaType => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.16",
        StatusCodes.Status503ServiceUnavailable => "https://www.rfc-editor.org/rfc/rfc9110#section-15.6.4",
        _ => "about:blank",
    };
}
