using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Affiliate.Sdk.Capture;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.Json;
using Affiliate.Sdk.Offers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace Affiliate.Sdk.AspNetCore.Capture;

/// <summary>The request delegates of the capture endpoints; created once per <c>MapAffiliateTracking</c>.</summary>
internal sealed partial class TrackingEndpoints
{
    private const string NoCache = "no-store, no-cache, must-revalidate, max-age=0";

    private readonly IAffiliateTracker _tracker;
    private readonly IOfferCatalog _catalog;
    private readonly CaptureOptions _options;
    private readonly ILogger _logger;
    private readonly byte[][] _batchKeys;
    private readonly string _retryAfter;

    public TrackingEndpoints(IAffiliateTracker tracker, IOfferCatalog catalog, CaptureOptions options, ILogger logger)
    {
        _tracker = tracker;
        _catalog = catalog;
        _options = options;
        _logger = logger;
        _batchKeys = [.. options.BatchApiKeys.Where(k => !string.IsNullOrEmpty(k)).Select(k => Encoding.UTF8.GetBytes(k))];
        _retryAfter = options.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary><c>GET {prefix}/click</c>: records the click and redirects (302) to the offer with its signed click id.</summary>
    public async Task ClickAsync(HttpContext context)
    {
        var request = ReadTraffic(context, out var errors, out _);
        if (errors is not null)
        {
            await BadRequestAsync(context, errors).ConfigureAwait(false);
            return;
        }

        ClickResult result;
        try
        {
            result = await _tracker.TrackClickAsync(request!, context.RequestAborted).ConfigureAwait(false);
        }
        catch (PublishException)
        {
            await UnavailableAsync(context).ConfigureAwait(false);
            return;
        }

        if (result.Result.IsAccepted)
        {
            var response = context.Response;
            response.StatusCode = StatusCodes.Status302Found;
            response.Headers.Location = result.RedirectUrl;
            response.Headers.CacheControl = NoCache;
            return;
        }

        await RefusedAsync(context, result.Result).ConfigureAwait(false);
    }

    /// <summary><c>GET {prefix}/imp</c>: records the impression and answers a 1×1 GIF (or 204 with <c>pixel=0</c>).</summary>
    public async Task ImpressionAsync(HttpContext context)
    {
        var request = ReadTraffic(context, out var errors, out var noPixel);
        if (errors is not null)
        {
            await BadRequestAsync(context, errors).ConfigureAwait(false);
            return;
        }

        TrackResult result;
        try
        {
            result = await _tracker.TrackImpressionAsync(request!, context.RequestAborted).ConfigureAwait(false);
        }
        catch (PublishException)
        {
            await UnavailableAsync(context).ConfigureAwait(false);
            return;
        }

        if (!result.IsAccepted)
        {
            await RefusedAsync(context, result).ConfigureAwait(false);
            return;
        }

        var response = context.Response;
        response.Headers.CacheControl = NoCache;
        response.Headers.Pragma = "no-cache";
        response.Headers.Expires = "0";
        if (noPixel)
        {
            response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = TrackingPixel.ContentType;
        response.ContentLength = TrackingPixel.Gif.Length;
        await response.Body.WriteAsync(TrackingPixel.Gif, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary><c>GET|POST {prefix}/postback</c>: authenticates the advertiser and records the conversion.</summary>
    public async Task PostbackAsync(HttpContext context)
    {
        var parameters = new List<KeyValuePair<string, string>>();
        List<FieldError>? errors = null;
        foreach (var (name, values) in context.Request.Query)
        {
            AddParameter(parameters, name, values, ref errors);
        }

        var request = context.Request;
        if (HttpMethods.IsPost(request.Method) && (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0))
        {
            if (!request.HasFormContentType)
            {
                await Problems.WriteAsync(
                    context, StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", "A postback body must be application/x-www-form-urlencoded.").ConfigureAwait(false);
                return;
            }

            var form = await ReadFormAsync(context).ConfigureAwait(false);
            if (form is null)
            {
                await TooLargeAsync(context, $"A postback body may hold at most {_options.MaxPostbackBytes} bytes.").ConfigureAwait(false);
                return;
            }

            foreach (var (name, values) in form)
            {
                AddParameter(parameters, name, values, ref errors);
            }
        }

        if (errors is not null)
        {
            await BadRequestAsync(context, errors).ConfigureAwait(false);
            return;
        }

        var auth = PostbackAuthenticator.Authenticate(parameters, _catalog, out var advertiserId);
        if (auth != PostbackAuthStatus.Authenticated)
        {
            LogPostbackUnauthenticated(_logger, auth);
            await Problems.WriteAsync(
                context,
                StatusCodes.Status401Unauthorized,
                "Unauthorized",
                auth == PostbackAuthStatus.MissingCredentials
                    ? "The postback carries neither sig (HMAC-SHA256 of the canonical query) nor token."
                    : "The postback's sig or token does not match any secret of the advertiser.").ConfigureAwait(false);
            return;
        }

        var conversion = ReadConversion(context, parameters, out errors);
        if (errors is not null)
        {
            await BadRequestAsync(context, errors).ConfigureAwait(false);
            return;
        }

        TrackResult result;
        try
        {
            result = await _tracker.TrackConversionAsync(conversion!, context.RequestAborted).ConfigureAwait(false);
        }
        catch (PublishException)
        {
            await UnavailableAsync(context).ConfigureAwait(false);
            return;
        }

        if (!result.IsAccepted)
        {
            await RefusedAsync(context, result).ConfigureAwait(false);
            return;
        }

        LogPostbackAccepted(_logger, result.Event!.EventId, advertiserId!);
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("status", "accepted");
            writer.WriteString("event_id", result.Event.EventId);
            writer.WriteString("advertiser_id", advertiserId);
            writer.WriteEndObject();
        }

        await WriteJsonAsync(context, StatusCodes.Status200OK, buffer).ConfigureAwait(false);
    }

    /// <summary><c>POST {prefix}/events</c>: a JSON array of events from a trusted sender, answered per event.</summary>
    public async Task EventsAsync(HttpContext context)
    {
        if (!IsAuthorised(context.Request.Headers.Authorization))
        {
            LogBatchUnauthorised(_logger);
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await Problems.WriteAsync(
                context, StatusCodes.Status401Unauthorized, "Unauthorized", "POST events needs Authorization: Bearer with one of AffiliateSdk:Capture:BatchApiKeys.").ConfigureAwait(false);
            return;
        }

        if (!context.Request.HasJsonContentType())
        {
            await Problems.WriteAsync(
                context, StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", "The batch must be application/json: an array of events.").ConfigureAwait(false);
            return;
        }

        var (body, length) = await ReadBodyAsync(context, _options.MaxBatchBytes).ConfigureAwait(false);
        if (body is null)
        {
            await TooLargeAsync(context, $"A batch may hold at most {_options.MaxBatchBytes} bytes (AffiliateSdk:Capture:MaxBatchBytes).").ConfigureAwait(false);
            return;
        }

        try
        {
            var parsed = ParseBatch(body.AsSpan(0, length), out var problem);
            if (problem is not null)
            {
                var status = parsed is null && problem.StartsWith("A batch may hold", StringComparison.Ordinal)
                    ? StatusCodes.Status413PayloadTooLarge
                    : StatusCodes.Status400BadRequest;
                await Problems.WriteAsync(context, status, status == 400 ? "Malformed batch" : "Batch too large", problem, [new FieldError("body", problem)]).ConfigureAwait(false);
                return;
            }

            await TrackBatchAsync(context, parsed!).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(body);
        }
    }

    private async Task TrackBatchAsync(HttpContext context, List<(TrackingEvent? Event, string? Error)> parsed)
    {
        var events = new List<TrackingEvent>(parsed.Count);
        foreach (var (e, _) in parsed)
        {
            if (e is not null)
            {
                events.Add(e);
            }
        }

        IReadOnlyList<TrackResult> results;
        try
        {
            results = await _tracker.TrackEventsAsync(events, context.RequestAborted).ConfigureAwait(false);
        }
        catch (PublishException)
        {
            await UnavailableAsync(context).ConfigureAwait(false);
            return;
        }

        var accepted = 0;
        foreach (var r in results)
        {
            accepted += r.IsAccepted ? 1 : 0;
        }

        var buffer = new ArrayBufferWriter<byte>(64 + (64 * parsed.Count));
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("accepted", accepted);
            writer.WriteNumber("rejected", parsed.Count - accepted);
            writer.WriteStartArray("results");
            var next = 0;
            for (var i = 0; i < parsed.Count; i++)
            {
                writer.WriteStartObject();
                writer.WriteNumber("index", i);
                var (e, error) = parsed[i];
                if (e is null)
                {
                    writer.WriteString("status", "invalid");
                    writer.WriteStartArray("errors");
                    WriteError(writer, "event", error!);
                    writer.WriteEndArray();
                }
                else
                {
                    var result = results[next++];
                    writer.WriteString("event_id", e.EventId);
                    writer.WriteString("status", result.IsAccepted ? "accepted" : "invalid");
                    if (!result.IsAccepted)
                    {
                        writer.WriteStartArray("errors");
                        foreach (var fieldError in result.Errors)
                        {
                            WriteError(writer, fieldError.Field, fieldError.Message);
                        }

                        writer.WriteEndArray();
                    }
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        await WriteJsonAsync(context, StatusCodes.Status200OK, buffer).ConfigureAwait(false);
    }

    /// <summary>Splits a JSON array into events; a syntax error fails the whole batch, a bad element only itself.</summary>
    private List<(TrackingEvent? Event, string? Error)>? ParseBatch(ReadOnlySpan<byte> json, out string? problem)
    {
        problem = null;
        var results = new List<(TrackingEvent?, string?)>();
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 16 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                problem = "The body must be a JSON array of events.";
                return null;
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (results.Count == _options.MaxBatchEvents)
                {
                    problem = $"A batch may hold at most {_options.MaxBatchEvents} events (AffiliateSdk:Capture:MaxBatchEvents).";
                    return null;
                }

                var start = (int)reader.TokenStartIndex;
                var isObject = reader.TokenType == JsonTokenType.StartObject;
                reader.Skip();
                if (!isObject)
                {
                    results.Add((null, "must be an event object"));
                    continue;
                }

                var element = json[start..(int)reader.BytesConsumed];
                results.Add(TrackingEventSerializer.TryDeserialize(element, out var e, out var error) ? (e, null) : (null, error));
            }

            if (reader.TokenType != JsonTokenType.EndArray || reader.Read())
            {
                problem = "The body must be exactly one JSON array of events.";
                return null;
            }
        }
        catch (JsonException ex)
        {
            problem = $"Malformed JSON at line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}: {ex.Message}";
            return null;
        }

        if (results.Count == 0)
        {
            problem = "The batch holds no events.";
            return null;
        }

        return results;
    }

    private static void WriteError(Utf8JsonWriter writer, string field, string message)
    {
        writer.WriteStartObject();
        writer.WriteString("field", field);
        writer.WriteString("message", message);
        writer.WriteEndObject();
    }

    private bool IsAuthorised(StringValues authorization)
    {
        if (_batchKeys.Length == 0 || authorization.Count != 1)
        {
            return false;
        }

        var value = authorization[0];
        const string Scheme = "Bearer ";
        if (value is null || !value.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var given = Encoding.UTF8.GetBytes(value.AsSpan(Scheme.Length).Trim().ToString());
        var ok = false;
        foreach (var key in _batchKeys)
        {
            ok |= CryptographicOperations.FixedTimeEquals(given, key);
        }

        return ok;
    }

    private TrafficRequest? ReadTraffic(HttpContext context, out List<FieldError>? errors, out bool noPixel)
    {
        errors = null;
        var values = default(TrafficQueryValues);
        Span<string?> v = values;
        var repeated = QueryReader.Read(context.Request.QueryString.Value, TrafficQuery.Names, v);
        if (repeated != 0)
        {
            for (var i = 0; i < TrafficQuery.Count; i++)
            {
                if ((repeated & (1 << i)) != 0)
                {
                    (errors ??= []).Add(new FieldError(TrafficQuery.Names[i], "is given more than once"));
                }
            }
        }

        Require(v[TrafficQuery.Offer], TrafficQuery.Names[TrafficQuery.Offer], ref errors);
        Require(v[TrafficQuery.Affiliate], TrafficQuery.Names[TrafficQuery.Affiliate], ref errors);
        noPixel = v[TrafficQuery.Pixel] == "0";
        if (errors is not null)
        {
            return null;
        }

        return new TrafficRequest
        {
            OfferId = v[TrafficQuery.Offer]!,
            AffiliateId = v[TrafficQuery.Affiliate]!,
            CampaignId = NullIfEmpty(v[TrafficQuery.Campaign]),
            Sub1 = NullIfEmpty(v[TrafficQuery.Sub1]),
            Sub2 = NullIfEmpty(v[TrafficQuery.Sub1 + 1]),
            Sub3 = NullIfEmpty(v[TrafficQuery.Sub1 + 2]),
            Sub4 = NullIfEmpty(v[TrafficQuery.Sub1 + 3]),
            Sub5 = NullIfEmpty(v[TrafficQuery.Sub1 + 4]),
            Client = Client(context),
        };
    }

    private static void Require(string? value, string name, ref List<FieldError>? errors)
    {
        if (string.IsNullOrEmpty(value))
        {
            (errors ??= []).Add(new FieldError(name, "is required"));
        }
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private ConversionRequest? ReadConversion(HttpContext context, List<KeyValuePair<string, string>> parameters, out List<FieldError>? errors)
    {
        errors = null;
        string? clickId = null, txn = null, amount = null, currency = null, status = null;
        foreach (var (name, value) in parameters)
        {
            switch (name)
            {
                case "click_id": clickId = value; break;
                case "txn_id": txn = value.Length == 0 ? null : value; break;
                case "amount": amount = value.Length == 0 ? null : value; break;
                case "currency": currency = value.Length == 0 ? null : value; break;
                case "status": status = value.Length == 0 ? null : value; break;
            }
        }

        if (string.IsNullOrEmpty(clickId))
        {
            (errors ??= []).Add(new FieldError("click_id", "is required"));
        }

        var conversionStatus = ConversionStatus.Approved;
        if (status is not null && !TryParseStatus(status, out conversionStatus))
        {
            (errors ??= []).Add(new FieldError("status", "must be approved, pending or rejected"));
        }

        Money? sale = null;
        if (amount is not null || currency is not null)
        {
            if (amount is null)
            {
                (errors ??= []).Add(new FieldError("amount", "is required when currency is given"));
            }
            else if (!decimal.TryParse(amount, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
                || value < 0 || Math.Abs(value) > Money.MaxAbsoluteAmount || value.Scale > Money.MaxScale)
            {
                (errors ??= []).Add(new FieldError("amount", $"must be a non-negative decimal number with a '.' separator and at most {Money.MaxScale} decimal places"));
            }
            else if (!Money.TryNormalizeCurrency(currency, out var code))
            {
                (errors ??= []).Add(new FieldError("currency", "must be an ISO-4217 code of three letters when amount is given"));
            }
            else
            {
                sale = new Money(value, code);
            }
        }

        if (errors is not null)
        {
            return null;
        }

        return new ConversionRequest
        {
            ClickId = clickId!,
            TransactionId = txn,
            SaleAmount = sale,
            Status = conversionStatus,
            Client = Client(context),
        };
    }

    private ClientInfo Client(HttpContext context)
    {
        var headers = context.Request.Headers;
        string? country = null;
        if (_options.CountryHeader is { Length: > 0 } header && headers[header] is { Count: 1 } values
            && values[0] is [var a, var b] && char.IsAsciiLetter(a) && char.IsAsciiLetter(b))
        {
            country = values[0]!.ToUpperInvariant();
        }

        var userAgent = headers.UserAgent;
        var referrer = headers.Referer;
        return new ClientInfo
        {
            IpAddress = context.Connection.RemoteIpAddress,
            UserAgent = userAgent.Count == 0 ? null : userAgent[0],
            Referrer = referrer.Count == 0 ? null : referrer[0],
            Country = country,
        };
    }

    private static void AddParameter(List<KeyValuePair<string, string>> parameters, string name, StringValues values, ref List<FieldError>? errors)
    {
        if (values.Count != 1)
        {
            (errors ??= []).Add(new FieldError(name, "is given more than once"));
            return;
        }

        foreach (var (existing, _) in parameters)
        {
            if (existing == name)
            {
                (errors ??= []).Add(new FieldError(name, "is given more than once"));
                return;
            }
        }

        parameters.Add(new(name, values[0] ?? string.Empty));
    }

    private static bool TryParseStatus(string value, out ConversionStatus status)
    {
        status = value.ToUpperInvariant() switch
        {
            "APPROVED" => ConversionStatus.Approved,
            "PENDING" => ConversionStatus.Pending,
            "REJECTED" => ConversionStatus.Rejected,
            _ => 0,
        };
        return status != 0;
    }

    private async Task<IFormCollection?> ReadFormAsync(HttpContext context)
    {
        var request = context.Request;
        var max = _options.MaxPostbackBytes;
        if (request.ContentLength > max)
        {
            return null;
        }

        LimitBody(context, max);
        try
        {
            // Each limit below maps to 413: the body is larger than a postback may be.
            return await request.ReadFormAsync(
                new FormOptions { ValueCountLimit = 64, KeyLengthLimit = 256, ValueLengthLimit = max, BufferBody = false, MultipartBodyLengthLimit = max },
                context.RequestAborted).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    private static async Task<(byte[]? Body, int Length)> ReadBodyAsync(HttpContext context, int max)
    {
        var request = context.Request;
        if (request.ContentLength > max)
        {
            return (null, 0);
        }

        LimitBody(context, max);
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(request.ContentLength ?? 16 * 1024, max) + 1);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > max)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        return (null, 0);
                    }

                    var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, max + 1));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }

                var read = await request.Body.ReadAsync(buffer.AsMemory(length), context.RequestAborted).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                length += read;
                if (length > max)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return (null, 0);
                }
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return (null, 0);
        }

        return (buffer, length);
    }

    private static void LimitBody(HttpContext context, long max)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = max;
        }
    }

    private static Task WriteJsonAsync(HttpContext context, int status, ArrayBufferWriter<byte> buffer)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        response.ContentLength = buffer.WrittenCount;
        return response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).AsTask();
    }

    private static Task BadRequestAsync(HttpContext context, IReadOnlyList<FieldError> errors) =>
        Problems.WriteAsync(context, StatusCodes.Status400BadRequest, "Invalid request", Problems.Describe(errors), errors);

    private static Task TooLargeAsync(HttpContext context, string detail) =>
        Problems.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, "Request too large", detail);

    private Task UnavailableAsync(HttpContext context)
    {
        context.Response.Headers.RetryAfter = _retryAfter;
        return Problems.WriteAsync(
            context,
            StatusCodes.Status503ServiceUnavailable,
            "Event stream unavailable",
            "The event could not be stored durably; nothing was recorded. Retry after the Retry-After delay.");
    }

    private static Task RefusedAsync(HttpContext context, TrackResult result)
    {
        if (result.Status is TrackStatus.OfferNotFound or TrackStatus.OfferPaused)
        {
            var errors = HttpNames(result.Errors);
            return Problems.WriteAsync(context, StatusCodes.Status404NotFound, "Offer not found", Problems.Describe(errors), errors);
        }

        return BadRequestAsync(context, HttpNames(result.Errors));
    }

    /// <summary>Names the tracker's event fields as the HTTP parameters or headers that carry them.</summary>
    private static FieldError[] HttpNames(IReadOnlyList<FieldError> errors)
    {
        var renamed = new FieldError[errors.Count];
        for (var i = 0; i < errors.Count; i++)
        {
            var field = errors[i].Field switch
            {
                "offer_id" => "offer",
                "affiliate_id" => "aff",
                "campaign_id" => "campaign",
                "transaction_id" => "txn_id",
                "sale_amount" => "amount",
                "user_agent" => "User-Agent",
                "referrer" => "Referer",
                var other => other,
            };
            renamed[i] = errors[i] with { Field = field };
        }

        return renamed;
    }

    [LoggerMessage(1, LogLevel.Information, "Postback refused: {Reason}.")]
    private static partial void LogPostbackUnauthenticated(ILogger logger, PostbackAuthStatus reason);

    [LoggerMessage(2, LogLevel.Debug, "Postback recorded as conversion {EventId} for advertiser {AdvertiserId}.")]
    private static partial void LogPostbackAccepted(ILogger logger, Guid eventId, string advertiserId);

    [LoggerMessage(3, LogLevel.Information, "Batch refused: missing or unknown API key.")]
    private static partial void LogBatchUnauthorised(ILogger logger);
}
