using Affiliate.Sdk.Pipeline;

namespace Affiliate.Sdk.Lake.Parquet;

/// <summary>The local store's key rules: the contract's (<see cref="BlobKey"/>) plus its reserved staging folder.</summary>
internal static class BlobKeys
{
    /// <summary>The reserved top-level folder of the local store's uploads in progress.</summary>
    public const string StagingFolder = "_staging";

    public static void Validate(string key, string paramName)
    {
        BlobKey.Validate(key, paramName);
        if (key.Contains(':', StringComparison.Ordinal) && OperatingSystem.IsWindows())
        {
            throw new ArgumentException($"Blob key '{key}' contains ':', which the local file system does not allow.", paramName);
        }

        if (key.StartsWith(StagingFolder + "/", StringComparison.Ordinal))
        {
            throw new ArgumentException($"Blob key '{key}' is under the reserved folder '{StagingFolder}/'.", paramName);
        }
    }

    public static void ValidatePrefix(string prefix, string paramName) => BlobKey.ValidatePrefix(prefix, paramName);
}
