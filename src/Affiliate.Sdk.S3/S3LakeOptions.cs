using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.S3;

/// <summary>Settings of the S3 lake store (configuration section <c>AffiliateSdk:S3</c>).</summary>
public sealed class S3LakeOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "AffiliateSdk:S3";

    /// <summary>The smallest part S3 accepts in a multipart upload (except the last): 5 MiB.</summary>
    public const int MinimumPartSize = 5 * 1024 * 1024;

    /// <summary>The bucket that holds the lake. Required.</summary>
    public string Bucket { get; set; } = "";

    /// <summary>A key prefix inside the bucket, e.g. <c>lakes/prod</c> for <c>s3://bucket/lakes/prod/</c>; empty for the bucket's root.</summary>
    public string Prefix { get; set; } = "";

    /// <summary>The AWS region (e.g. <c>eu-west-1</c>); empty to let the SDK resolve it (environment, profile, instance metadata).</summary>
    public string? Region { get; set; }

    /// <summary>The endpoint of an S3-compatible service (MinIO, Ceph, R2, …), e.g. <c>http://127.0.0.1:9000</c>; empty for AWS.</summary>
    public string? ServiceUrl { get; set; }

    /// <summary>Address buckets as <c>{endpoint}/{bucket}/{key}</c> instead of <c>{bucket}.{endpoint}/{key}</c>; most S3-compatible services need it.</summary>
    public bool ForcePathStyle { get; set; }

    /// <summary>An access key id; leave empty to use the SDK's default credential chain (environment, profile, SSO, web identity, instance role).</summary>
    public string? AccessKey { get; set; }

    /// <summary>The secret access key paired with <see cref="AccessKey"/>. Never logged.</summary>
    public string? SecretKey { get; set; }

    /// <summary>A session token for temporary credentials given with <see cref="AccessKey"/>. Never logged.</summary>
    public string? SessionToken { get; set; }

    /// <summary>Objects larger than this are sent as a multipart upload; smaller ones in one PUT. Default 16 MiB.</summary>
    public int MultipartThreshold { get; set; } = 16 * 1024 * 1024;

    /// <summary>The size of each multipart part (at least 5 MiB); an upload holds at most one part (or the threshold) in memory. Default 8 MiB.</summary>
    public int PartSize { get; set; } = 8 * 1024 * 1024;

    /// <summary>Keys per listing request (1–1000). Default 1000, S3's maximum.</summary>
    public int ListPageSize { get; set; } = 1000;

    /// <summary>Retries of a request after a transient error (throttling, 5xx, timeouts), with exponential backoff and jitter. Default 4.</summary>
    public int MaxRetries { get; set; } = 4;

    /// <summary>Time allowed for one HTTP request before it is retried. Default 100 seconds.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>Send CRC checksums only when an operation requires them (some S3-compatible services reject the newer checksum headers). Default false.</summary>
    public bool ChecksumsOnlyWhenRequired { get; set; }

    /// <summary>Send bodies with aws-chunked encoding (streaming signatures, trailing checksums). Default true; some S3-compatible services need false.</summary>
    public bool UseChunkEncoding { get; set; } = true;

    /// <summary>The store's prefix as stored keys begin: empty, or without leading '/' and with one trailing '/'.</summary>
    internal string NormalizedPrefix => (Prefix ?? "").Trim('/') is { Length: > 0 } p ? p + "/" : "";
}

/// <summary>Checks <see cref="S3LakeOptions"/> at start; every message names the setting.</summary>
internal sealed class S3LakeOptionsValidator : IValidateOptions<S3LakeOptions>
{
    private const string P = S3LakeOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, S3LakeOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Bucket))
        {
            errors.Add($"{P}:Bucket must name the bucket that holds the lake.");
        }
        else if (options.Bucket.Length is < 3 or > 63 || options.Bucket.Contains('/', StringComparison.Ordinal))
        {
            errors.Add($"{P}:Bucket must be a bucket name of 3 to 63 characters without '/' (was '{options.Bucket}').");
        }

        var prefix = options.Prefix ?? "";
        if (prefix.Contains("//", StringComparison.Ordinal) || prefix.Contains('\\', StringComparison.Ordinal) || prefix.Any(char.IsControl)
            || prefix.Split('/').Any(s => s is "." or ".."))
        {
            errors.Add($"{P}:Prefix must be a '/'-separated key prefix without empty, '.' or '..' segments, backslashes or control characters (was '{prefix}').");
        }

        if (!string.IsNullOrWhiteSpace(options.ServiceUrl)
            && (!Uri.TryCreate(options.ServiceUrl, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            errors.Add($"{P}:ServiceUrl must be an absolute http(s) URL (was '{options.ServiceUrl}').");
        }

        if (string.IsNullOrEmpty(options.AccessKey) != string.IsNullOrEmpty(options.SecretKey))
        {
            errors.Add($"{P}:AccessKey and {P}:SecretKey must be given together, or both left empty to use the default credential chain.");
        }

        if (!string.IsNullOrEmpty(options.SessionToken) && string.IsNullOrEmpty(options.AccessKey))
        {
            errors.Add($"{P}:SessionToken needs {P}:AccessKey and {P}:SecretKey.");
        }

        if (options.PartSize < S3LakeOptions.MinimumPartSize)
        {
            errors.Add($"{P}:PartSize must be at least {S3LakeOptions.MinimumPartSize} (5 MiB, S3's minimum part) (was {options.PartSize}).");
        }

        if (options.MultipartThreshold < options.PartSize)
        {
            errors.Add($"{P}:MultipartThreshold must be at least {P}:PartSize ({options.PartSize}) (was {options.MultipartThreshold}).");
        }

        if (options.ListPageSize is < 1 or > 1000)
        {
            errors.Add($"{P}:ListPageSize must be between 1 and 1000 (was {options.ListPageSize}).");
        }

        if (options.MaxRetries is < 0 or > 20)
        {
            errors.Add($"{P}:MaxRetries must be between 0 and 20 (was {options.MaxRetries}).");
        }

        if (options.RequestTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{P}:RequestTimeout must be positive (was {options.RequestTimeout}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
