using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime;
using Amazon.Runtime.Internal.Auth;

namespace Affiliate.Sdk.Kinesis;

/// <summary>
/// Builds the SigV4 canonical request for a call and signs it through AWSSDK.Core's <see cref="AWS4Signer"/>, so the
/// key derivation and string-to-sign are the SDK's own. Header names must be lower-case with trimmed values.
/// </summary>
internal static class SigV4
{
    public const string DateFormat = "yyyyMMdd'T'HHmmss'Z'";

    /// <summary>The canonical request (method, path, query, sorted headers, signed header list, payload hash).</summary>
    public static string CanonicalRequest(string method, string path, string canonicalQuery, IReadOnlyList<KeyValuePair<string, string>> headers, string payloadSha256Hex, out string signedHeaders)
    {
        var sorted = headers.OrderBy(h => h.Key, StringComparer.Ordinal).ToArray();
        var builder = new StringBuilder(256);
        builder.Append(method).Append('\n').Append(path).Append('\n').Append(canonicalQuery).Append('\n');
        foreach (var (name, value) in sorted)
        {
            builder.Append(name).Append(':').Append(value.Trim()).Append('\n');
        }

        signedHeaders = string.Join(';', sorted.Select(h => h.Key));
        builder.Append('\n').Append(signedHeaders).Append('\n').Append(payloadSha256Hex);
        return builder.ToString();
    }

    public static string Sha256Hex(ReadOnlySpan<byte> payload) => Convert.ToHexStringLower(SHA256.HashData(payload));

    /// <summary>Signs a canonical request and returns the <c>Authorization</c> header value.</summary>
    public static string Authorization(ImmutableCredentials credentials, string region, string service, DateTime signedAtUtc, string signedHeaders, string canonicalRequest)
    {
        var result = AWS4Signer.ComputeSignature(credentials, region, signedAtUtc, service, signedHeaders, canonicalRequest);
        var scope = string.Create(CultureInfo.InvariantCulture, $"{signedAtUtc:yyyyMMdd}/{region}/{service}/aws4_request");
        return $"AWS4-HMAC-SHA256 Credential={credentials.AccessKey}/{scope}, SignedHeaders={signedHeaders}, Signature={result.Signature}";
    }

    public static string FormatDate(DateTime utc) => utc.ToString(DateFormat, CultureInfo.InvariantCulture);
}
