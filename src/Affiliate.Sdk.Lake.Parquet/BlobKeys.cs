namespace Affiliate.Sdk.Lake.Parquet;

/// <summary>Checks blob keys: relative, '/'-separated, no empty, '.' or '..' segments, no backslashes or control characters.</summary>
internal static class BlobKeys
{
    /// <summary>The reserved top-level folder of the local store's uploads in progress.</summary>
    public const string StagingFolder = "_staging";

    public static void Validate(string key, string paramName)
    {
        ArgumentNullException.ThrowIfNull(key, paramName);
        if (key.Length == 0)
        {
            throw new ArgumentException("A blob key must not be empty.", paramName);
        }

        if (key[0] == '/' || key[^1] == '/')
        {
            throw new ArgumentException($"Blob key '{key}' must be relative and name a file: no leading or trailing '/'.", paramName);
        }

        CheckCharacters(key, paramName);
        foreach (var segment in key.Split('/'))
        {
            if (segment.Length == 0 || segment is "." or "..")
            {
                throw new ArgumentException($"Blob key '{key}' has an empty, '.' or '..' segment; keys are '/'-separated relative paths.", paramName);
            }
        }

        if (key.StartsWith(StagingFolder + "/", StringComparison.Ordinal))
        {
            throw new ArgumentException($"Blob key '{key}' is under the reserved folder '{StagingFolder}/'.", paramName);
        }
    }

    /// <summary>A listing prefix: empty, or a key start without '..' segments or a leading '/'.</summary>
    public static void ValidatePrefix(string prefix, string paramName)
    {
        ArgumentNullException.ThrowIfNull(prefix, paramName);
        if (prefix.Length == 0)
        {
            return;
        }

        if (prefix[0] == '/')
        {
            throw new ArgumentException($"Prefix '{prefix}' must be relative: no leading '/'.", paramName);
        }

        CheckCharacters(prefix, paramName);
        foreach (var segment in prefix.Split('/'))
        {
            if (segment is "." or "..")
            {
                throw new ArgumentException($"Prefix '{prefix}' has a '.' or '..' segment.", paramName);
            }
        }
    }

    private static void CheckCharacters(string key, string paramName)
    {
        foreach (var c in key)
        {
            if (c == '\\' || char.IsControl(c))
            {
                throw new ArgumentException($"Blob key '{key}' contains a backslash or a control character; use '/' as the separator.", paramName);
            }
        }

        if (key.Contains(':', StringComparison.Ordinal) && OperatingSystem.IsWindows())
        {
            throw new ArgumentException($"Blob key '{key}' contains ':', which the local file system does not allow.", paramName);
        }
    }
}
