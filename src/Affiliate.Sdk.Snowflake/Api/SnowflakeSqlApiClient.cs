using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.Snowflake;

/// <summary>
/// <see cref="ISnowflakeSqlClient"/> over the Snowflake SQL REST API (<c>/api/v2/statements</c>) with key-pair JWT or OAuth
/// authentication. Waits out asynchronous execution by polling, fetches result partitions on demand, cancels the statement
/// when the caller cancels, and retries throttled or unavailable requests (429, 503, 504, 408) with exponential backoff,
/// jitter and Retry-After, resubmitting with the same <c>requestId</c> and <c>retry=true</c> so a statement runs once.
/// Thread-safe; takes an <see cref="HttpClient"/> so it works as a typed client of <c>IHttpClientFactory</c>.
/// </summary>
public sealed class SnowflakeSqlApiClient : ISnowflakeSqlClient, IDisposable
{
    internal static readonly ActivitySource ActivitySource = new(SnowflakeTelemetry.Name);

    private readonly HttpClient _http;
    private readonly bool _ownsHttpClient;
    private readonly SnowflakeOptions _options;
    private readonly Uri _baseUrl;
    private readonly ILogger _logger;
    private readonly SnowflakeMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly Lazy<SnowflakeAuthenticator> _authenticator;

    /// <summary>Creates a client.</summary>
    /// <param name="httpClient">The HTTP client (its handler should keep connections pooled).</param>
    /// <param name="options">Account, credentials, context and retry settings.</param>
    /// <param name="logger">Logs retries, polling and failures (never secrets or bind values).</param>
    /// <param name="meterFactory">Creates the statement, retry and latency instruments.</param>
    /// <param name="timeProvider">Clock for token lifetimes and delays.</param>
    public SnowflakeSqlApiClient(
        HttpClient httpClient,
        IOptions<SnowflakeOptions> options,
        ILogger<SnowflakeSqlApiClient>? logger = null,
        IMeterFactory? meterFactory = null,
        TimeProvider? timeProvider = null)
        : this(httpClient, ownsHttpClient: false, options, logger, meterFactory, timeProvider)
    {
    }

    internal SnowflakeSqlApiClient(
        HttpClient httpClient,
        bool ownsHttpClient,
        IOptions<SnowflakeOptions> options,
        ILogger? logger,
        IMeterFactory? meterFactory,
        TimeProvider? timeProvider)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        _http = httpClient;
        _ownsHttpClient = ownsHttpClient;
        _options = options.Value;
        _baseUrl = _options.BaseUrl ?? SnowflakeAccount.BaseUrl(_options.Account);
        _logger = logger ?? NullLogger.Instance;
        _metrics = new SnowflakeMetrics(meterFactory);
        _time = timeProvider ?? TimeProvider.System;
        _authenticator = new Lazy<SnowflakeAuthenticator>(() => SnowflakeAuthenticator.Create(_options, _time));
    }

    /// <inheritdoc />
    public async Task<SnowflakeResultSet> ExecuteAsync(SnowflakeStatement statement, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(statement);
        using var activity = ActivitySource.StartActivity("snowflake.statement", ActivityKind.Client);
        activity?.SetTag("db.system", "snowflake");
        var started = _time.GetTimestamp();
        var requestId = Guid.NewGuid().ToString();
        var body = RequestBody(statement);
        string? handle = null;
        try
        {
            var response = await SendAsync(attempt => Submit(requestId, attempt, body), cancellationToken).ConfigureAwait(false);
            var pollDelay = _options.PollInterval;
            while (true)
            {
                string statusUrl;
                using (response)
                {
                    using var json = await ReadJsonAsync(response, cancellationToken).ConfigureAwait(false);
                    var root = json?.RootElement;
                    handle ??= root is { } r ? String(r, "statementHandle") : null;
                    if (response.StatusCode == HttpStatusCode.OK && root is { } ok)
                    {
                        var result = ParseResultSet(ok, handle);
                        activity?.SetTag("db.snowflake.statement_handle", result.StatementHandle);
                        _metrics.Statement("succeeded", _time.GetElapsedTime(started));
                        SnowflakeLog.Done(_logger, result.StatementHandle, result.RowCount, result.PartitionCount);
                        return result;
                    }

                    if (response.StatusCode != HttpStatusCode.Accepted || handle is null)
                    {
                        throw Failure(response.StatusCode, root, handle);
                    }

                    statusUrl = (root is { } a ? String(a, "statementStatusUrl") : null) ?? StatementPath(handle);
                }

                SnowflakeLog.Polling(_logger, handle);
                await Task.Delay(pollDelay, _time, cancellationToken).ConfigureAwait(false);
                pollDelay = TimeSpan.FromTicks(Math.Min(pollDelay.Ticks * 2, _options.MaxPollInterval.Ticks));
                response = await SendAsync(_ => new HttpRequestMessage(HttpMethod.Get, new Uri(_baseUrl, statusUrl)), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _metrics.Statement("cancelled", _time.GetElapsedTime(started));

            // Cancelled before Snowflake gave a handle: resubmitting the same requestId (retry=true, async=true) returns the
            // running statement's handle instead of starting it again, so the statement can still be cancelled.
            handle ??= await FindHandleAsync(requestId, body).ConfigureAwait(false);
            if (handle is not null)
            {
                await CancelQuietlyAsync(handle).ConfigureAwait(false);
            }

            throw;
        }
        catch (SnowflakeException e)
        {
            _metrics.Statement("failed", _time.GetElapsedTime(started));
            SnowflakeLog.Failed(_logger, e.StatementHandle ?? handle, e.Code, e.SqlState);
            activity?.SetStatus(ActivityStatusCode.Error, e.Code);
            throw;
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string?[]>> GetPartitionAsync(string statementHandle, int partition, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(statementHandle);
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        var uri = new Uri(_baseUrl, StatementPath(statementHandle) + "?partition=" + partition.ToString(CultureInfo.InvariantCulture));
        using var response = await SendAsync(_ => new HttpRequestMessage(HttpMethod.Get, uri), cancellationToken).ConfigureAwait(false);
        using var json = await ReadJsonAsync(response, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK || json is null)
        {
            throw Failure(response.StatusCode, json?.RootElement, statementHandle);
        }

        return ParseRows(json.RootElement);
    }

    /// <inheritdoc />
    public async Task CancelAsync(string statementHandle, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(statementHandle);
        SnowflakeLog.Cancelling(_logger, statementHandle);
        var uri = new Uri(_baseUrl, StatementPath(statementHandle) + "/cancel");
        using var response = await SendAsync(_ => new HttpRequestMessage(HttpMethod.Post, uri), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            using var json = await ReadJsonAsync(response, cancellationToken).ConfigureAwait(false);
            throw Failure(response.StatusCode, json?.RootElement, statementHandle);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_authenticator.IsValueCreated)
        {
            _authenticator.Value.Dispose();
        }

        if (_ownsHttpClient)
        {
            _http.Dispose();
        }
    }

    /// <summary>The token the next request will carry (tests check its claims).</summary>
    internal string CurrentToken() => _authenticator.Value.GetToken();

    private static string StatementPath(string handle) => "/api/v2/statements/" + Uri.EscapeDataString(handle);

    private HttpRequestMessage Submit(string requestId, int attempt, byte[] body, bool asynchronous = false)
    {
        // The same requestId with retry=true lets Snowflake recognise a resubmission and not run the statement twice.
        var query = "/api/v2/statements?requestId=" + requestId + (attempt > 0 ? "&retry=true" : string.Empty) + (asynchronous ? "&async=true" : string.Empty);
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return new HttpRequestMessage(HttpMethod.Post, new Uri(_baseUrl, query)) { Content = content };
    }

    private byte[] RequestBody(SnowflakeStatement statement)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("statement", statement.Sql);
            var timeout = statement.Timeout ?? _options.StatementTimeout;
            writer.WriteNumber("timeout", (long)Math.Ceiling(timeout.TotalSeconds));
            WriteIfSet(writer, "database", _options.Database);
            WriteIfSet(writer, "schema", _options.Schema);
            WriteIfSet(writer, "warehouse", _options.Warehouse);
            WriteIfSet(writer, "role", _options.Role);
            if (statement.Bindings.Count > 0)
            {
                writer.WriteStartObject("bindings");
                for (var i = 0; i < statement.Bindings.Count; i++)
                {
                    var binding = statement.Bindings[i];
                    writer.WriteStartObject((i + 1).ToString(CultureInfo.InvariantCulture));
                    writer.WriteString("type", binding.Type);
                    if (binding.Value is null)
                    {
                        writer.WriteNull("value");
                    }
                    else
                    {
                        writer.WriteString("value", binding.Value);
                    }

                    writer.WriteEndObject();
                }

                writer.WriteEndObject();
            }

            if (statement.Parameters is { Count: > 0 } parameters)
            {
                writer.WriteStartObject("parameters");
                foreach (var (name, value) in parameters)
                {
                    writer.WriteString(name, value);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static void WriteIfSet(Utf8JsonWriter writer, string name, string? value)
    {
        if (!string.IsNullOrWhiteSpace(value))
        {
            writer.WriteString(name, value);
        }
    }

    /// <summary>Sends a request, retrying throttling and transient failures; returns any other answer to the caller.</summary>
    private async Task<HttpResponseMessage> SendAsync(Func<int, HttpRequestMessage> create, CancellationToken cancellationToken)
    {
        var retries = 0;
        var tokenRenewed = false;
        for (var attempt = 0; ; attempt++)
        {
            string reason;
            TimeSpan? retryAfter = null;
            HttpStatusCode? status = null;
            Exception? failure = null;
            using (var request = create(attempt))
            {
                Authorize(request);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(_options.RequestTimeout);
                HttpResponseMessage? response = null;
                try
                {
                    response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
                }
                catch (HttpRequestException e) when (!cancellationToken.IsCancellationRequested)
                {
                    failure = e;
                }
                catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
                {
                    failure = e;
                }

                if (response is not null)
                {
                    status = response.StatusCode;
                    if (status == HttpStatusCode.Unauthorized && !tokenRenewed && _authenticator.Value.Invalidate())
                    {
                        // A key-pair token can be refused near its expiry or after a clock step: sign a fresh one once.
                        tokenRenewed = true;
                        response.Dispose();
                        SnowflakeLog.TokenRejected(_logger);
                        continue;
                    }

                    if (!IsTransient(response.StatusCode))
                    {
                        return response;
                    }

                    retryAfter = RetryAfter(response);
                    response.Dispose();
                }
            }

            reason = status is { } s ? ((int)s).ToString(CultureInfo.InvariantCulture) : failure is OperationCanceledException ? "timeout" : "network";
            if (retries >= _options.MaxRetries)
            {
                throw new SnowflakeException(
                    $"The Snowflake SQL API still answered '{reason}' after {retries} retries; giving up.",
                    code: null,
                    sqlState: null,
                    statementHandle: null,
                    status,
                    isRetryable: true,
                    failure);
            }

            retries++;
            var delay = Backoff(retries, retryAfter);
            _metrics.Retry(reason);
            SnowflakeLog.Retrying(_logger, reason, retries, _options.MaxRetries, (long)delay.TotalMilliseconds);
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout or HttpStatusCode.RequestTimeout;

    /// <summary>Exponential backoff with jitter (half to all of base × 2^(n−1), capped); never shorter than the server's Retry-After.</summary>
    internal TimeSpan Backoff(int retry, TimeSpan? retryAfter)
    {
        var exponential = _options.RetryBaseDelay.Ticks * Math.Pow(2, Math.Min(retry - 1, 30));
        var capped = Math.Min(exponential, _options.MaxRetryDelay.Ticks);
        var jittered = TimeSpan.FromTicks((long)(capped * (0.5 + (Random.Shared.NextDouble() * 0.5))));
        return retryAfter is { } after && after > jittered ? after : jittered;
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        if (response.Headers.RetryAfter is not { } header)
        {
            return null;
        }

        var delay = header.Delta ?? (header.Date is { } date ? date - _time.GetUtcNow() : null);
        return delay is { } d && d > TimeSpan.Zero ? d : null;
    }

    private void Authorize(HttpRequestMessage request)
    {
        var authenticator = _authenticator.Value;
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", authenticator.GetToken());
        request.Headers.TryAddWithoutValidation("X-Snowflake-Authorization-Token-Type", authenticator.TokenType);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.TryAddWithoutValidation("User-Agent", _options.UserAgent);
    }

    private async Task<string?> FindHandleAsync(string requestId, byte[] body)
    {
        using var timeout = new CancellationTokenSource(_options.RequestTimeout);
        try
        {
            using var request = Submit(requestId, attempt: 1, body, asynchronous: true);
            Authorize(request);
            using var response = await _http.SendAsync(request, timeout.Token).ConfigureAwait(false);
            using var json = await ReadJsonAsync(response, timeout.Token).ConfigureAwait(false);
            return json is { RootElement.ValueKind: JsonValueKind.Object } ? String(json.RootElement, "statementHandle") : null;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            return null;
        }
    }

    private async Task CancelQuietlyAsync(string handle)
    {
        // The caller's token has fired; the cancel request gets its own short deadline.
        using var timeout = new CancellationTokenSource(_options.RequestTimeout);
        try
        {
            await CancelAsync(handle, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SnowflakeException or HttpRequestException or OperationCanceledException)
        {
            SnowflakeLog.CancelFailed(_logger, e, handle);
        }
    }

    private static async Task<JsonDocument?> ReadJsonAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            // Result partitions may come gzip-compressed when the handler does not decompress them itself.
            Stream body = response.Content.Headers.ContentEncoding.Contains("gzip", StringComparer.OrdinalIgnoreCase)
                ? new GZipStream(stream, CompressionMode.Decompress)
                : stream;
            await using (body.ConfigureAwait(false))
            {
                try
                {
                    return await JsonDocument.ParseAsync(body, default, cancellationToken).ConfigureAwait(false);
                }
                catch (JsonException)
                {
                    return null;
                }
            }
        }
    }

    private static SnowflakeException Failure(HttpStatusCode status, JsonElement? body, string? handle)
    {
        string? code = null, sqlState = null, message = null;
        if (body is { ValueKind: JsonValueKind.Object } root)
        {
            code = String(root, "code");
            sqlState = String(root, "sqlState");
            message = String(root, "message");
            handle = String(root, "statementHandle") ?? handle;
        }

        var text = $"Snowflake answered {(int)status} {status}"
            + (code is null ? string.Empty : $", code {code}")
            + (sqlState is null ? string.Empty : $", SQL state {sqlState}")
            + (handle is null ? string.Empty : $", statement {handle}")
            + ": " + (message ?? "no error message");
        var retryable = (int)status >= 500 && status != HttpStatusCode.NotImplemented;
        return new SnowflakeException(text, code, sqlState, handle, status, retryable);
    }

    private static SnowflakeResultSet ParseResultSet(JsonElement root, string? handle)
    {
        var columns = new List<SnowflakeColumn>();
        long rowCount = 0;
        var partitions = 1;
        if (root.TryGetProperty("resultSetMetaData", out var meta) && meta.ValueKind == JsonValueKind.Object)
        {
            if (meta.TryGetProperty("rowType", out var rowType) && rowType.ValueKind == JsonValueKind.Array)
            {
                foreach (var column in rowType.EnumerateArray())
                {
                    columns.Add(new SnowflakeColumn(
                        String(column, "name") ?? string.Empty,
                        (String(column, "type") ?? "text").ToLowerInvariant(),
                        Int(column, "precision"),
                        Int(column, "scale"),
                        !column.TryGetProperty("nullable", out var n) || n.ValueKind != JsonValueKind.False));
                }
            }

            if (meta.TryGetProperty("numRows", out var numRows) && numRows.TryGetInt64(out var rows))
            {
                rowCount = rows;
            }

            if (meta.TryGetProperty("partitionInfo", out var info) && info.ValueKind == JsonValueKind.Array)
            {
                partitions = Math.Max(1, info.GetArrayLength());
            }
        }

        var data = ParseRows(root);
        return new SnowflakeResultSet(handle ?? string.Empty, columns, Math.Max(rowCount, data.Count), partitions, data);
    }

    private static List<string?[]> ParseRows(JsonElement root)
    {
        var rows = new List<string?[]>();
        if (!root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
        {
            return rows;
        }

        foreach (var row in data.EnumerateArray())
        {
            if (row.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            var values = new string?[row.GetArrayLength()];
            var i = 0;
            foreach (var value in row.EnumerateArray())
            {
                values[i++] = value.ValueKind switch
                {
                    JsonValueKind.Null => null,
                    JsonValueKind.String => value.GetString(),
                    _ => value.GetRawText(),
                };
            }

            rows.Add(values);
        }

        return rows;
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static int? Int(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var i) ? i : null;
}
