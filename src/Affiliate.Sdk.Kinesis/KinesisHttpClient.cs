using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;

namespace Affiliate.Sdk.Kinesis;

/// <summary>
/// <see cref="IKinesisClient"/> over the Kinesis JSON 1.1 API: POST / with <c>X-Amz-Target: Kinesis_20131202.&lt;Op&gt;</c>,
/// signed with SigV4 (service <c>kinesis</c>). Credentials come from options, an <see cref="AWSCredentials"/> given by the
/// host, or the SDK's default chain (so every credential source works, refreshing ones included).
/// </summary>
internal sealed class KinesisHttpClient : IKinesisClient, IDisposable
{
    private const string Service = "kinesis";
    private const string TargetPrefix = "Kinesis_20131202.";
    private static readonly MediaTypeHeaderValue JsonType = new("application/x-amz-json-1.1");

    private readonly HttpClient _http;
    private readonly Uri _endpoint;
    private readonly string _region;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _credentialsLock = new(1, 1);
    private AWSCredentials? _credentials;

    public KinesisHttpClient(KinesisOptions options, AWSCredentials? credentials = null, TimeProvider? time = null, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _region = KinesisEndpoint.ResolveRegion(options) ?? throw new ArgumentException($"{KinesisOptions.SectionName}:Region is not set.", nameof(options));
        _endpoint = KinesisEndpoint.Resolve(options, _region);
        _time = time ?? TimeProvider.System;
        _credentials = credentials ?? (string.IsNullOrEmpty(options.AccessKeyId)
            ? null
            : string.IsNullOrEmpty(options.SessionToken)
                ? new BasicAWSCredentials(options.AccessKeyId, options.SecretAccessKey)
                : new SessionAWSCredentials(options.AccessKeyId, options.SecretAccessKey, options.SessionToken));
        _http = new HttpClient(handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), AutomaticDecompression = DecompressionMethods.None })
        {
            Timeout = options.RequestTimeout,
        };
    }

    public async Task<KinesisPutRecordsResult> PutRecordsAsync(string streamName, IReadOnlyList<KinesisPutRecordsEntry> records, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(records);
        var body = WriteJson(w =>
        {
            w.WriteString("StreamName", streamName);
            w.WriteStartArray("Records");
            foreach (var record in records)
            {
                w.WriteStartObject();
                w.WriteBase64String("Data", record.Data.Span);
                w.WriteString("PartitionKey", record.PartitionKey);
                if (record.ExplicitHashKey is { } hashKey)
                {
                    w.WriteString("ExplicitHashKey", hashKey);
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
        });
        using var doc = await CallAsync("PutRecords", body, cancellationToken).ConfigureAwait(false);
        var root = doc.RootElement;
        var failed = root.TryGetProperty("FailedRecordCount", out var f) && f.ValueKind == JsonValueKind.Number ? f.GetInt32() : 0;
        var entries = new List<KinesisPutRecordsResultEntry>(records.Count);
        foreach (var e in root.GetProperty("Records").EnumerateArray())
        {
            entries.Add(new KinesisPutRecordsResultEntry(Str(e, "ShardId"), Str(e, "SequenceNumber"), Str(e, "ErrorCode"), Str(e, "ErrorMessage")));
        }

        if (entries.Count != records.Count)
        {
            throw new KinesisException($"PutRecords answered {entries.Count} entries for {records.Count} records.", "InvalidResponse", HttpStatusCode.OK, isRetryable: true);
        }

        return new KinesisPutRecordsResult(failed, entries);
    }

    public async Task<IReadOnlyList<KinesisShard>> ListShardsAsync(string streamName, CancellationToken cancellationToken)
    {
        var shards = new List<KinesisShard>();
        string? next = null;
        do
        {
            var token = next;
            var body = WriteJson(w =>
            {
                // NextToken and StreamName are mutually exclusive in ListShards.
                if (token is null)
                {
                    w.WriteString("StreamName", streamName);
                }
                else
                {
                    w.WriteString("NextToken", token);
                }
            });
            using var doc = await CallAsync("ListShards", body, cancellationToken).ConfigureAwait(false);
            foreach (var s in doc.RootElement.GetProperty("Shards").EnumerateArray())
            {
                var range = s.GetProperty("HashKeyRange");
                string? ending = s.TryGetProperty("SequenceNumberRange", out var seq) ? Str(seq, "EndingSequenceNumber") : null;
                shards.Add(new KinesisShard(
                    s.GetProperty("ShardId").GetString()!,
                    Str(s, "ParentShardId"),
                    Str(s, "AdjacentParentShardId"),
                    range.GetProperty("StartingHashKey").GetString()!,
                    range.GetProperty("EndingHashKey").GetString()!,
                    ending));
            }

            next = Str(doc.RootElement, "NextToken");
        }
        while (next is not null);
        return shards;
    }

    public async Task<string> GetShardIteratorAsync(string streamName, string shardId, string iteratorType, string? sequenceNumber, CancellationToken cancellationToken)
    {
        var body = WriteJson(w =>
        {
            w.WriteString("StreamName", streamName);
            w.WriteString("ShardId", shardId);
            w.WriteString("ShardIteratorType", iteratorType);
            if (sequenceNumber is not null)
            {
                w.WriteString("StartingSequenceNumber", sequenceNumber);
            }
        });
        using var doc = await CallAsync("GetShardIterator", body, cancellationToken).ConfigureAwait(false);
        return doc.RootElement.GetProperty("ShardIterator").GetString()
            ?? throw new KinesisException("GetShardIterator returned no iterator.", "InvalidResponse", HttpStatusCode.OK, isRetryable: true);
    }

    public async Task<KinesisGetRecordsResult> GetRecordsAsync(string shardIterator, int limit, CancellationToken cancellationToken)
    {
        var body = WriteJson(w =>
        {
            w.WriteString("ShardIterator", shardIterator);
            w.WriteNumber("Limit", limit);
        });
        using var doc = await CallAsync("GetRecords", body, cancellationToken).ConfigureAwait(false);
        var root = doc.RootElement;
        var records = new List<KinesisRecord>();
        foreach (var r in root.GetProperty("Records").EnumerateArray())
        {
            DateTimeOffset? arrival = r.TryGetProperty("ApproximateArrivalTimestamp", out var ts) && ts.ValueKind == JsonValueKind.Number
                ? DateTimeOffset.FromUnixTimeMilliseconds((long)(ts.GetDouble() * 1000))
                : null;
            records.Add(new KinesisRecord(r.GetProperty("SequenceNumber").GetString()!, Str(r, "PartitionKey") ?? "", r.GetProperty("Data").GetBytesFromBase64(), arrival));
        }

        long? behind = root.TryGetProperty("MillisBehindLatest", out var mb) && mb.ValueKind == JsonValueKind.Number ? mb.GetInt64() : null;
        return new KinesisGetRecordsResult(records, Str(root, "NextShardIterator"), behind);
    }

    /// <summary>Any other operation (tests and benchmarks create, describe and split streams with it).</summary>
    internal async Task CallRawAsync(string operation, Action<Utf8JsonWriter> write, CancellationToken cancellationToken, Action<JsonDocument>? read = null)
    {
        using var doc = await CallAsync(operation, WriteJson(write), cancellationToken).ConfigureAwait(false);
        read?.Invoke(doc);
    }

    public void Dispose()
    {
        _http.Dispose();
        _credentialsLock.Dispose();
    }

    private async Task<JsonDocument> CallAsync(string operation, byte[] body, CancellationToken cancellationToken)
    {
        var credentials = await GetCredentialsAsync(cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow().UtcDateTime;
        var amzDate = SigV4.FormatDate(now);
        var target = TargetPrefix + operation;
        var headers = new List<KeyValuePair<string, string>>(5)
        {
            new("content-type", JsonType.MediaType!),
            new("host", _endpoint.IsDefaultPort ? _endpoint.Host : _endpoint.Authority),
            new("x-amz-date", amzDate),
            new("x-amz-target", target),
        };
        if (credentials.UseToken)
        {
            headers.Add(new("x-amz-security-token", credentials.Token));
        }

        var canonical = SigV4.CanonicalRequest("POST", "/", "", headers, SigV4.Sha256Hex(body), out var signed);
        using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint);
        request.Headers.TryAddWithoutValidation("Authorization", SigV4.Authorization(credentials, _region, Service, now, signed, canonical));
        request.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
        request.Headers.TryAddWithoutValidation("X-Amz-Target", target);
        if (credentials.UseToken)
        {
            request.Headers.TryAddWithoutValidation("X-Amz-Security-Token", credentials.Token);
        }

        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = JsonType;

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new KinesisException($"{operation} could not reach {_endpoint}: {e.Message}", null, null, isRetryable: true, e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new KinesisException($"{operation} timed out after {_http.Timeout}.", "Timeout", null, isRetryable: true, e);
        }

        using (response)
        {
            var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                try
                {
                    // Some operations (CreateStream, SplitShard) answer with an empty body.
                    return JsonDocument.Parse(bytes.Length == 0 ? "{}"u8.ToArray() : bytes);
                }
                catch (JsonException e)
                {
                    throw new KinesisException($"{operation} answered with JSON that could not be read: {e.Message}", "InvalidResponse", response.StatusCode, isRetryable: true, e);
                }
            }

            var (type, message) = ReadError(bytes);
            var retryable = (int)response.StatusCode >= 500
                || response.StatusCode == HttpStatusCode.TooManyRequests
                || type is "ProvisionedThroughputExceededException" or "LimitExceededException" or "ThrottlingException" or "KMSThrottlingException" or "InternalFailure" or "ServiceUnavailable";
            throw new KinesisException($"{operation} failed ({(int)response.StatusCode} {type}): {message}", type, response.StatusCode, retryable);
        }
    }

    private async ValueTask<ImmutableCredentials> GetCredentialsAsync(CancellationToken cancellationToken)
    {
        var credentials = _credentials;
        if (credentials is null)
        {
            await _credentialsLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (_credentials is null)
                {
                    using var resolver = new DefaultAWSCredentialsIdentityResolver();
                    _credentials = await resolver.ResolveIdentityAsync(null, cancellationToken).ConfigureAwait(false);
                }

                credentials = _credentials;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw new KinesisException($"No AWS credentials were found: set {KinesisOptions.SectionName}:AccessKeyId/SecretAccessKey or configure the default chain ({e.Message}).", "NoCredentials", null, isRetryable: false, e);
            }
            finally
            {
                _credentialsLock.Release();
            }
        }

        // Refreshing credentials (SSO, web identity, instance roles) renew themselves here.
        return await credentials.GetCredentialsAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static (string Type, string Message) ReadError(byte[] bytes)
    {
        try
        {
            using var doc = JsonDocument.Parse(bytes);
            var type = Str(doc.RootElement, "__type") ?? "Unknown";
            var hash = type.LastIndexOf('#');
            var message = Str(doc.RootElement, "message") ?? Str(doc.RootElement, "Message") ?? "";
            return (hash >= 0 ? type[(hash + 1)..] : type, message);
        }
        catch (JsonException)
        {
            return ("Unknown", System.Text.Encoding.UTF8.GetString(bytes.AsSpan(0, Math.Min(bytes.Length, 512))));
        }
    }

    private static string? Str(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static byte[] WriteJson(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
