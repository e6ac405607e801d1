namespace Affiliate.Sdk.Pipeline;

/// <summary>
/// The key rules every <see cref="IBlobStore"/> enforces, so a lake moves between stores unchanged: keys are relative,
/// '/'-separated paths without empty, '.' or '..' segments, backslashes or control characters.
/// </summary>
public static class BlobKey
{
    /// <summary>Checks a key.</summary>
    /// <param name="key">The key.</param>
    /// <param name="paramName">The caller's parameter name, for the exception.</param>
    /// <exception cref="ArgumentException">The key breaks a rule; the message says which.</exception>
    public static void Validate(string key, string paramName)
    {
        ArgumentNullException.ThrowIfNull(key, paramName);
        if (key.Length == 0)
        {
            throw new ArgumentException("A blob key must not be empty.", paramName);
        }

        if (key[0] == '/' || key[^1] == '/')
        {
            throw new ArgumentException($"Blob key '{key}' must be relative and name an object: no leading or trailing '/'.", paramName);
        }

        CheckCharacters(key, paramName);
        foreach (var segment in key.Split('/'))
        {
            if (segment.Length == 0 || segment is "." or "..")
            {
                throw new ArgumentException($"Blob key '{key}' has an empty, '.' or '..' segment; keys are '/'-separated relative paths.", paramName);
            }
        }
    }

    /// <summary>Checks a listing prefix: empty, or the start of a key without '.' or '..' segments or a leading '/'.</summary>
    /// <param name="prefix">The prefix.</param>
    /// <param name="paramName">The caller's parameter name, for the exception.</param>
    /// <exception cref="ArgumentException">The prefix breaks a rule; the message says which.</exception>
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
    }
}
