using System.Security.Cryptography;
using System.Text;

namespace Affiliate.Sdk.AspNetCore.Capture;

/// <summary>
/// The postback signature: lower-case hex HMAC-SHA256, under an advertiser's secret (UTF-8), of the canonical query —
/// every parameter except <c>sig</c>, each written <c>name=value</c> with name and value percent-encoded as RFC 3986
/// (unreserved characters kept, everything else as UTF-8 <c>%XX</c> with upper-case hex), sorted by name (ordinal,
/// then by value), joined by <c>&amp;</c>.
/// </summary>
internal static class PostbackSignature
{
    /// <summary>The parameter carrying the signature; it is not signed.</summary>
    public const string SignatureParameter = "sig";

    /// <summary>Builds the canonical query of decoded parameters.</summary>
    public static string Canonicalize(IEnumerable<KeyValuePair<string, string>> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var pairs = new List<KeyValuePair<string, string>>();
        foreach (var (name, value) in parameters)
        {
            if (!string.Equals(name, SignatureParameter, StringComparison.Ordinal))
            {
                pairs.Add(new(Uri.EscapeDataString(name), Uri.EscapeDataString(value ?? string.Empty)));
            }
        }

        pairs.Sort(static (a, b) =>
        {
            var byName = string.CompareOrdinal(a.Key, b.Key);
            return byName != 0 ? byName : string.CompareOrdinal(a.Value, b.Value);
        });

        var builder = new StringBuilder();
        foreach (var (name, value) in pairs)
        {
            if (builder.Length > 0)
            {
                builder.Append('&');
            }

            builder.Append(name).Append('=').Append(value);
        }

        return builder.ToString();
    }

    /// <summary>Signs a canonical query: lower-case hex HMAC-SHA256.</summary>
    public static string Sign(string canonical, string secret)
    {
        ArgumentNullException.ThrowIfNull(canonical);
        ArgumentNullException.ThrowIfNull(secret);
        return Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(canonical)));
    }

    /// <summary>Whether <paramref name="signature"/> (hex) is the HMAC of <paramref name="canonicalUtf8"/> under <paramref name="secret"/>, compared in constant time.</summary>
    public static bool Verify(ReadOnlySpan<byte> canonicalUtf8, ReadOnlySpan<byte> signature, string secret)
    {
        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), canonicalUtf8, expected);
        return CryptographicOperations.FixedTimeEquals(expected, signature);
    }

    /// <summary>Parses a 64-character hex signature (either case).</summary>
    public static bool TryParseHex(string? value, Span<byte> destination)
    {
        return value is { Length: HMACSHA256.HashSizeInBytes * 2 }
            && Convert.FromHexString(value, destination, out _, out var written) == System.Buffers.OperationStatus.Done
            && written == HMACSHA256.HashSizeInBytes;
    }
}
