using System.Buffers;
using System.Text.Json;
using Affiliate.Sdk.Events;

namespace Affiliate.Sdk.Json;

/// <summary>Reads and writes the JSON contract of <see cref="TrackingEvent"/> (UTF-8, no reflection).</summary>
public static class TrackingEventSerializer
{
    /// <summary>The content type of one serialised event.</summary>
    public const string ContentType = "application/vnd.affiliate-sdk.event+json; v=1";

    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };

    /// <summary>Writes an event as UTF-8 JSON.</summary>
    /// <param name="destination">Where the bytes go.</param>
    /// <param name="trackingEvent">The event.</param>
    public static void Serialize(IBufferWriter<byte> destination, TrackingEvent trackingEvent)
    {
        ArgumentNullException.ThrowIfNull(trackingEvent);
        using var writer = new Utf8JsonWriter(destination, WriterOptions);
        JsonSerializer.Serialize(writer, trackingEvent, TrackingJsonContext.Default.TrackingEvent);
    }

    /// <summary>Writes an event as a new UTF-8 JSON byte array.</summary>
    /// <param name="trackingEvent">The event.</param>
    /// <returns>The bytes.</returns>
    public static byte[] SerializeToUtf8Bytes(TrackingEvent trackingEvent)
    {
        ArgumentNullException.ThrowIfNull(trackingEvent);
        return JsonSerializer.SerializeToUtf8Bytes(trackingEvent, TrackingJsonContext.Default.TrackingEvent);
    }

    /// <summary>Reads an event from UTF-8 JSON.</summary>
    /// <param name="utf8Json">The bytes.</param>
    /// <returns>The event.</returns>
    /// <exception cref="TrackingEventFormatException">The bytes are not a valid event; the message names the problem.</exception>
    public static TrackingEvent Deserialize(ReadOnlySpan<byte> utf8Json)
    {
        if (TryDeserialize(utf8Json, out var result, out var error))
        {
            return result;
        }

        throw new TrackingEventFormatException(error);
    }

    /// <summary>Reads an event from UTF-8 JSON without throwing for malformed input.</summary>
    /// <param name="utf8Json">The bytes.</param>
    /// <param name="result">The event when the bytes are valid.</param>
    /// <param name="error">What is wrong when they are not.</param>
    /// <returns><see langword="true"/> when an event was read.</returns>
    public static bool TryDeserialize(ReadOnlySpan<byte> utf8Json, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TrackingEvent? result, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        result = null;
        try
        {
            result = JsonSerializer.Deserialize(utf8Json, TrackingJsonContext.Default.TrackingEvent);
        }
        catch (JsonException ex)
        {
            error = Describe(ex);
            return false;
        }
        catch (ArgumentException ex)
        {
            // Raised by Money's constructor for a bad currency or amount.
            error = ex.Message;
            return false;
        }

        if (result is null)
        {
            error = "The JSON is null, not an event object.";
            return false;
        }

        error = null;
        return true;
    }

    internal static string Describe(JsonException ex) =>
        ex.Path is { Length: > 0 } path && !ex.Message.Contains(path, StringComparison.Ordinal)
            ? $"{ex.Message} (at {path})"
            : ex.Message;
}
