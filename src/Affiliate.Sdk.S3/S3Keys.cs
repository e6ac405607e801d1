namespace Affiliate.Sdk.S3;

/// <summary>S3's own limit on keys, on top of the contract's rules (<see cref="Pipeline.BlobKey"/>).</summary>
internal static class S3Keys
{
    /// <summary>S3's limit on a key's UTF-8 length.</summary>
    public const int MaxKeyBytes = 1024;
}
