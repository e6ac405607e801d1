using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Affiliate.Sdk.Snowflake;

/// <summary>Supplies the bearer token and its type (the <c>X-Snowflake-Authorization-Token-Type</c> header) for each request.</summary>
internal abstract class SnowflakeAuthenticator : IDisposable
{
    public abstract string TokenType { get; }

    public abstract string GetToken();

    /// <summary>Drops a cached token (after a 401) so the next request makes a new one; false when nothing would change.</summary>
    public virtual bool Invalidate() => false;

    public virtual void Dispose()
    {
    }

    public static SnowflakeAuthenticator Create(SnowflakeOptions options, TimeProvider time)
    {
        if (!string.IsNullOrWhiteSpace(options.OAuthToken) && string.IsNullOrWhiteSpace(options.PrivateKey) && string.IsNullOrWhiteSpace(options.PrivateKeyPath))
        {
            return new OAuthAuthenticator(options.OAuthToken);
        }

        return new KeyPairAuthenticator(options, time);
    }

    private sealed class OAuthAuthenticator(string token) : SnowflakeAuthenticator
    {
        public override string TokenType => "OAUTH";

        public override string GetToken() => token;
    }
}

/// <summary>
/// Key-pair authentication: a JWT signed with RS256 by the user's RSA key, <c>iss = ACCOUNT.USER.SHA256:&lt;fingerprint&gt;</c>,
/// <c>sub = ACCOUNT.USER</c>, valid at most an hour. Cached and renewed when less than a fifth of its life is left.
/// </summary>
internal sealed class KeyPairAuthenticator : SnowflakeAuthenticator
{
    private readonly RSA _key;
    private readonly TimeProvider _time;
    private readonly TimeSpan _lifetime;
    private readonly Lock _sync = new();
    private string? _token;
    private DateTimeOffset _renewAt;

    public KeyPairAuthenticator(SnowflakeOptions options, TimeProvider time)
    {
        _key = LoadPrivateKey(options);
        _time = time;
        _lifetime = options.JwtLifetime;
        var account = SnowflakeAccount.ForJwt(options.Account);
        Subject = account + "." + options.User.Trim().ToUpperInvariant();
        Issuer = Subject + ".SHA256:" + Fingerprint(_key);
    }

    public string Issuer { get; }

    public string Subject { get; }

    public override string TokenType => "KEYPAIR_JWT";

    /// <summary>Base64 of the SHA-256 of the public key's DER (SubjectPublicKeyInfo), as <c>DESCRIBE USER</c> shows it.</summary>
    public static string Fingerprint(RSA key) => Convert.ToBase64String(SHA256.HashData(key.ExportSubjectPublicKeyInfo()));

    /// <summary>Reads the PEM key from the options: inline or from a file, encrypted when a passphrase is given.</summary>
    public static RSA LoadPrivateKey(SnowflakeOptions options)
    {
        var pem = !string.IsNullOrWhiteSpace(options.PrivateKey) ? options.PrivateKey : File.ReadAllText(options.PrivateKeyPath!);
        var rsa = RSA.Create();
        try
        {
            if (pem.Contains("ENCRYPTED PRIVATE KEY", StringComparison.Ordinal))
            {
                rsa.ImportFromEncryptedPem(pem, options.PrivateKeyPassphrase ?? string.Empty);
            }
            else
            {
                rsa.ImportFromPem(pem);
            }
        }
        catch
        {
            rsa.Dispose();
            throw;
        }

        return rsa;
    }

    public override string GetToken()
    {
        var now = _time.GetUtcNow();
        lock (_sync)
        {
            if (_token is null || now >= _renewAt)
            {
                _token = Create(now);
                _renewAt = now + (_lifetime * 0.8);
            }

            return _token;
        }
    }

    public override bool Invalidate()
    {
        lock (_sync)
        {
            _token = null;
        }

        return true;
    }

    public override void Dispose()
    {
        _key.Dispose();
        base.Dispose();
    }

    private string Create(DateTimeOffset now)
    {
        var header = Encode("""{"alg":"RS256","typ":"JWT"}"""u8);
        using var payloadBuffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(payloadBuffer))
        {
            writer.WriteStartObject();
            writer.WriteString("iss", Issuer);
            writer.WriteString("sub", Subject);
            writer.WriteNumber("iat", now.ToUnixTimeSeconds());
            writer.WriteNumber("exp", (now + _lifetime).ToUnixTimeSeconds());
            writer.WriteEndObject();
        }

        var signingInput = header + "." + Encode(payloadBuffer.ToArray());
        var signature = _key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signingInput + "." + Encode(signature);
    }

    private static string Encode(ReadOnlySpan<byte> bytes) => Base64Url.EncodeToString(bytes);
}
