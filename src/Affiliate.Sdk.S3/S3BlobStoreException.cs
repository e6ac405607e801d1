namespace Affiliate.Sdk.S3;

/// <summary>An S3 request of the lake store failed (after the SDK's retries); names the bucket and key.</summary>
public sealed class S3BlobStoreException : AffiliateSdkException
{
    /// <summary>Creates the exception.</summary>
    public S3BlobStoreException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public S3BlobStoreException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public S3BlobStoreException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a failed operation on an object.</summary>
    /// <param name="operation">The S3 operation, e.g. <c>PutObject</c>.</param>
    /// <param name="bucket">The bucket.</param>
    /// <param name="key">The object key (with the store's prefix) or listing prefix.</param>
    /// <param name="isRetryable">Whether the same call may succeed later.</param>
    /// <param name="innerException">The SDK's exception.</param>
    public S3BlobStoreException(string operation, string bucket, string key, bool isRetryable, Exception innerException)
        : base($"S3 {operation} of s3://{bucket}/{key} failed: {innerException?.Message}", isRetryable, innerException)
    {
        Operation = operation;
        Bucket = bucket;
        Key = key;
    }

    /// <summary>The S3 operation that failed, e.g. <c>UploadPart</c>.</summary>
    public string? Operation { get; }

    /// <summary>The bucket.</summary>
    public string? Bucket { get; }

    /// <summary>The full object key (or listing prefix) inside the bucket.</summary>
    public string? Key { get; }
}
