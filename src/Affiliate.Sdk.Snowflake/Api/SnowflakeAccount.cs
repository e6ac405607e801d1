namespace Affiliate.Sdk.Snowflake;

/// <summary>
/// The forms of an account identifier: the one the JWT names (upper case; <c>ORG-ACCOUNT</c>, or a locator without its
/// region) and the host of the API (<c>org-account.snowflakecomputing.com</c> or <c>locator.region.snowflakecomputing.com</c>).
/// </summary>
internal static class SnowflakeAccount
{
    private const string DomainSuffix = ".snowflakecomputing.com";

    /// <summary>The account as the JWT's <c>iss</c> and <c>sub</c> name it.</summary>
    public static string ForJwt(string account)
    {
        var parts = Parts(account);
        return parts.Length switch
        {
            1 => parts[0].ToUpperInvariant(),

            // org.account (no region: regions have hyphens) becomes ORG-ACCOUNT; a locator keeps only its first part.
            2 when !parts[1].Contains('-', StringComparison.Ordinal) => (parts[0] + "-" + parts[1]).ToUpperInvariant(),
            _ => parts[0].ToUpperInvariant(),
        };
    }

    /// <summary>The API's default base address for the account.</summary>
    public static Uri BaseUrl(string account)
    {
        var parts = Parts(account);
        var host = parts.Length == 2 && !parts[1].Contains('-', StringComparison.Ordinal)
            ? parts[0] + "-" + parts[1]
            : string.Join('.', parts);

        // Host names take hyphens where account names have underscores.
        return new Uri("https://" + host.ToLowerInvariant().Replace('_', '-') + DomainSuffix);
    }

    private static string[] Parts(string account)
    {
        var s = account.Trim();
        if (s.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            s = s["https://".Length..];
        }

        s = s.TrimEnd('/');
        if (s.EndsWith(DomainSuffix, StringComparison.OrdinalIgnoreCase))
        {
            s = s[..^DomainSuffix.Length];
        }

        if (s.EndsWith(".privatelink", StringComparison.OrdinalIgnoreCase))
        {
            s = s[..^".privatelink".Length];
        }

        return s.Split('.', StringSplitOptions.RemoveEmptyEntries);
    }
}
