using System.Diagnostics.Metrics;
using System.Net;
using System.Runtime.CompilerServices;
using Affiliate.Sdk.Pipeline;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Affiliate.Sdk.S3;

/// <summary>
/// An <see cref="IBlobStore"/> on Amazon S3 or an S3-compatible service. Uploads stream through a bounded buffer (one PUT
/// for small objects, a multipart upload above <see cref="S3LakeOptions.MultipartThreshold"/>) and become visible, whole, only at commit.
/// </summary>
public sealed partial class S3BlobStore : IBlobStore, IDisposable
{
    /// <summary>The name of the store's <see cref="Meter"/>.</summary>
    public const string MeterName = "Affiliate.Sdk.S3";

    private readonly IAmazonS3 _client;
    private readonly bool _ownsClient;
    private readonly Meter? _ownedMeter;
    private int _disposed;

    /// <summary>Creates a store with its own S3 client configured from the options (endpoint, region, credentials, retries).</summary>
    /// <param name="options">The settings; validated here.</param>
    /// <param name="logger">Logs aborted uploads; optional.</param>
    /// <param name="meterFactory">Creates the store's meter; optional.</param>
    /// <param name="timeProvider">The clock of commit times; optional.</param>
    /// <exception cref="ArgumentException">The options are not valid; the message names each setting.</exception>
    public S3BlobStore(S3LakeOptions options, ILogger<S3BlobStore>? logger = null, IMeterFactory? meterFactory = null, TimeProvider? timeProvider = null)
        : this(CreateClient(Checked(options)), options, ownsClient: true, logger, meterFactory, timeProvider)
    {
    }

    /// <summary>Creates a store on a client the caller owns (and disposes); the options' endpoint, region and credentials are not used.</summary>
    /// <param name="client">The S3 client.</param>
    /// <param name="options">The settings; validated here.</param>
    /// <param name="logger">Logs aborted uploads; optional.</param>
    /// <param name="meterFactory">Creates the store's meter; optional.</param>
    /// <param name="timeProvider">The clock of commit times; optional.</param>
    /// <exception cref="ArgumentException">The options are not valid; the message names each setting.</exception>
    public S3BlobStore(IAmazonS3 client, S3LakeOptions options, ILogger<S3BlobStore>? logger = null, IMeterFactory? meterFactory = null, TimeProvider? timeProvider = null)
        : this(client, Checked(options), ownsClient: false, logger, meterFactory, timeProvider)
    {
    }

    private S3BlobStore(IAmazonS3 client, S3LakeOptions options, bool ownsClient, ILogger<S3BlobStore>? logger, IMeterFactory? meterFactory, TimeProvider? timeProvider)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _ownsClient = ownsClient;
        Bucket = options.Bucket;
        Prefix = options.NormalizedPrefix;
        MultipartThreshold = options.MultipartThreshold;
        PartSize = options.PartSize;
        ListPageSize = options.ListPageSize;
        UseChunkEncoding = options.UseChunkEncoding;
        Logger = logger ?? (ILogger)NullLogger.Instance;
        Clock = timeProvider ?? TimeProvider.System;
        Meter meter;
        if (meterFactory is null)
        {
            meter = _ownedMeter = new Meter(MeterName);
        }
        else
        {
            meter = meterFactory.Create(MeterName);
        }

        Metrics = new S3Metrics(meter);
    }

    /// <summary>The bucket that holds the lake.</summary>
    public string Bucket { get; }

    /// <summary>The key prefix inside the bucket: empty, or ending with '/'. A blob key <c>k</c> is stored as <c>{Prefix}k</c>.</summary>
    public string Prefix { get; }

    internal int MultipartThreshold { get; }

    internal int PartSize { get; }

    internal int ListPageSize { get; }

    internal bool UseChunkEncoding { get; }

    internal IAmazonS3 Client => _client;

    internal ILogger Logger { get; }

    internal TimeProvider Clock { get; }

    internal S3Metrics Metrics { get; }

    /// <summary>The <c>s3://</c> URI of a key (for engines that read the lake directly, such as DuckDB's httpfs).</summary>
    /// <param name="key">The blob key.</param>
    /// <returns>The URI, e.g. <c>s3://bucket/prefix/bronze/…</c>.</returns>
    /// <exception cref="ArgumentException">The key is not a valid relative '/'-separated key.</exception>
    public string GetUri(string key)
    {
        BlobKey.Validate(key, nameof(key));
        return $"s3://{Bucket}/{Prefix}{key}";
    }

    /// <inheritdoc />
    public ValueTask<IBlobUpload> StartUploadAsync(string key, CancellationToken cancellationToken)
    {
        var objectKey = ObjectKey(key, nameof(key));
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult<IBlobUpload>(new S3BlobUpload(this, key, objectKey));
    }

    /// <inheritdoc />
    /// <remarks>The stream is the response body, forward-only (not seekable); Parquet readers buffer it.</remarks>
    public async ValueTask<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken)
    {
        var objectKey = ObjectKey(key, nameof(key));
        GetObjectResponse response;
        try
        {
            response = await SendAsync(
                "GetObject",
                objectKey,
                ct => _client.GetObjectAsync(new GetObjectRequest { BucketName = Bucket, Key = objectKey }, ct),
                cancellationToken).ConfigureAwait(false);
        }
        catch (S3BlobStoreException ex) when (IsNotFound(ex.InnerException))
        {
            return null;
        }

        return new S3ReadStream(response);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<BlobItem> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        BlobKey.ValidatePrefix(prefix, nameof(prefix));
        var fullPrefix = Prefix + prefix;
        string? continuation = null;
        do
        {
            var request = new ListObjectsV2Request
            {
                BucketName = Bucket,
                Prefix = fullPrefix,
                MaxKeys = ListPageSize,
                ContinuationToken = continuation,
            };
            var page = await SendAsync("ListObjectsV2", fullPrefix, ct => _client.ListObjectsV2Async(request, ct), cancellationToken).ConfigureAwait(false);
            foreach (var item in page.S3Objects ?? [])
            {
                // Zero-byte "folder" markers made by consoles are not objects of the lake.
                if (item.Key is not { } objectKey || objectKey.EndsWith('/') || !objectKey.StartsWith(Prefix, StringComparison.Ordinal))
                {
                    continue;
                }

                var modified = item.LastModified is { } m ? new DateTimeOffset(m.ToUniversalTime(), TimeSpan.Zero) : DateTimeOffset.UnixEpoch;
                yield return new BlobItem(objectKey[Prefix.Length..], item.Size ?? 0, modified);
            }

            continuation = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (!string.IsNullOrEmpty(continuation));
    }

    /// <inheritdoc />
    /// <remarks>S3 deletes are idempotent and do not say whether an object existed, so this asks first (one HEAD request).</remarks>
    public async ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken)
    {
        var objectKey = ObjectKey(key, nameof(key));
        try
        {
            await SendAsync(
                "HeadObject",
                objectKey,
                ct => _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = Bucket, Key = objectKey }, ct),
                cancellationToken).ConfigureAwait(false);
        }
        catch (S3BlobStoreException ex) when (IsNotFound(ex.InnerException))
        {
            return false;
        }

        await SendAsync(
            "DeleteObject",
            objectKey,
            ct => _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = Bucket, Key = objectKey }, ct),
            cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Disposes the S3 client when the store created it, and the store's own meter.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_ownsClient)
        {
            _client.Dispose();
        }

        _ownedMeter?.Dispose();
    }

    /// <summary>Sends one request (the SDK retries transient errors with backoff); a final failure names the bucket and key.</summary>
    internal async Task<T> SendAsync<T>(string operation, string objectKey, Func<CancellationToken, Task<T>> send, CancellationToken cancellationToken)
    {
        try
        {
            var result = await send(cancellationToken).ConfigureAwait(false);
            Metrics.Request(operation, "ok");
            return result;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Metrics.Request(operation, "cancelled");
            throw;
        }
        catch (Exception ex) when (ex is AmazonServiceException or AmazonClientException or HttpRequestException or IOException or OperationCanceledException)
        {
            Metrics.Request(operation, IsNotFound(ex) ? "not_found" : "error");
            throw new S3BlobStoreException(operation, Bucket, objectKey, IsRetryable(ex), ex);
        }
    }

    internal static AmazonS3Client CreateClient(S3LakeOptions options)
    {
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.ForcePathStyle,
            RetryMode = RequestRetryMode.Standard,
            MaxErrorRetry = options.MaxRetries,
            Timeout = options.RequestTimeout,
        };
        if (!string.IsNullOrWhiteSpace(options.ServiceUrl))
        {
            config.ServiceURL = options.ServiceUrl;
            config.AuthenticationRegion = string.IsNullOrWhiteSpace(options.Region) ? "us-east-1" : options.Region;
        }
        else if (!string.IsNullOrWhiteSpace(options.Region))
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(options.Region);
        }

        if (options.ChecksumsOnlyWhenRequired)
        {
            config.RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED;
            config.ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED;
        }

        if (string.IsNullOrEmpty(options.AccessKey))
        {
            // The SDK's own resolution: environment, shared profile, SSO, web identity, container and instance roles.
            return new AmazonS3Client(config);
        }

        AWSCredentials credentials = string.IsNullOrEmpty(options.SessionToken)
            ? new BasicAWSCredentials(options.AccessKey, options.SecretKey)
            : new SessionAWSCredentials(options.AccessKey, options.SecretKey, options.SessionToken);
        return new AmazonS3Client(credentials, config);
    }

    private static S3LakeOptions Checked(S3LakeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var result = new S3LakeOptionsValidator().Validate(null, options);
        if (result.Failed)
        {
            throw new ArgumentException(result.FailureMessage, nameof(options));
        }

        return options;
    }

    private string ObjectKey(string key, string paramName)
    {
        BlobKey.Validate(key, paramName);
        var objectKey = Prefix + key;
        if (System.Text.Encoding.UTF8.GetByteCount(objectKey) > S3Keys.MaxKeyBytes)
        {
            throw new ArgumentException($"Blob key '{key}' is longer than S3's {S3Keys.MaxKeyBytes} bytes (with the prefix '{Prefix}').", paramName);
        }

        return objectKey;
    }

    private static bool IsNotFound(Exception? ex) =>
        ex is AmazonServiceException { StatusCode: HttpStatusCode.NotFound } || ex is AmazonS3Exception { ErrorCode: "NoSuchKey" };

    private static bool IsRetryable(Exception ex) => ex switch
    {
        AmazonServiceException service => (int)service.StatusCode >= 500 || service.StatusCode == HttpStatusCode.TooManyRequests
            || service.ErrorCode is "SlowDown" or "RequestTimeout" or "Throttling" or "ThrottlingException",
        _ => true, // network failures and timeouts
    };

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Aborted the multipart upload of s3://{Bucket}/{Key}: {Reason}")]
    internal static partial void LogAborted(ILogger logger, string bucket, string key, string reason);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Could not abort the multipart upload {UploadId} of s3://{Bucket}/{Key}; a bucket lifecycle rule (AbortIncompleteMultipartUpload) removes it later")]
    internal static partial void LogAbortFailed(ILogger logger, Exception exception, string uploadId, string bucket, string key);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "Started a multipart upload of s3://{Bucket}/{Key}")]
    internal static partial void LogMultipartStarted(ILogger logger, string bucket, string key);
}
