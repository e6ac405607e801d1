using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.Snowflake.Tests;

public sealed class JwtTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    /// <summary>An account identifier in one of the documented forms, with the JWT account it must become.</summary>
    public sealed record AccountCase(string Account, string ExpectedJwtAccount, string User);

    private static Gen<string> Name(string first, string rest, int max) =>
        from head in Gen.Elements(first.ToCharArray())
        from tail in Gen.ArrayOf(Gen.Elements(rest.ToCharArray())).Select(a => a.Take(max).ToArray())
        select head + new string(tail);

    private const string Letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    private const string Word = Letters + "0123456789_";

    private static Gen<AccountCase> Accounts =>
        from org in Name(Letters, Letters + "0123456789", 12)
        from account in Name(Letters, Word, 12)
        from locator in Name(Letters, Letters + "0123456789", 8)
        from region in Gen.Elements("us-east-2.aws", "eu-central-1", "east-us-2.azure", "us-central1.gcp", "ap-southeast-2.aws")
        from user in Name(Letters, Word + "$", 16)
        from form in Gen.Choose(0, 4)
        select form switch
        {
            0 => new AccountCase($"{org}-{account}", $"{org}-{account}".ToUpperInvariant(), user),
            1 => new AccountCase($"{org}.{account}", $"{org}-{account}".ToUpperInvariant(), user),
            2 => new AccountCase($"{locator}.{region}", locator.ToUpperInvariant(), user),
            3 => new AccountCase(locator, locator.ToUpperInvariant(), user),
            _ => new AccountCase($"https://{org}-{account}.snowflakecomputing.com/", $"{org}-{account}".ToUpperInvariant(), user),
        };

    internal static (JsonElement Header, JsonElement Payload) VerifiedParts(string token, RSA publicKey)
    {
        var parts = token.Split('.');
        Assert.Equal(3, parts.Length);
        var signed = Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]);
        Assert.True(publicKey.VerifyData(signed, Base64Url.DecodeFromChars(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1), "the signature must verify with the public key");
        return (JsonDocument.Parse(Base64Url.DecodeFromChars(parts[0])).RootElement, JsonDocument.Parse(Base64Url.DecodeFromChars(parts[1])).RootElement);
    }

    private static string Fingerprint() => Convert.ToBase64String(SHA256.HashData(TestKeys.Key.ExportSubjectPublicKeyInfo()));

    [Property(MaxTest = 100)]
    public Property Jwt_verifies_with_the_public_key_and_names_account_and_user_as_documented() =>
        Prop.ForAll(Accounts.ToArbitrary(), c =>
        {
            var options = TestKeys.Options(new Uri("http://127.0.0.1:1"));
            options.Account = c.Account;
            options.User = c.User;
            using var authenticator = new KeyPairAuthenticator(options, new ManualTime(Now));
            using var publicKey = RSA.Create();
            publicKey.ImportSubjectPublicKeyInfo(TestKeys.Key.ExportSubjectPublicKeyInfo(), out _);

            var (header, payload) = VerifiedParts(authenticator.GetToken(), publicKey);

            Assert.Equal("RS256", header.GetProperty("alg").GetString());
            Assert.Equal("JWT", header.GetProperty("typ").GetString());
            var qualified = c.ExpectedJwtAccount + "." + c.User.ToUpperInvariant();
            Assert.Equal(qualified, payload.GetProperty("sub").GetString());
            Assert.Equal(qualified + ".SHA256:" + Fingerprint(), payload.GetProperty("iss").GetString());
            var iat = payload.GetProperty("iat").GetInt64();
            var exp = payload.GetProperty("exp").GetInt64();
            Assert.Equal(Now.ToUnixTimeSeconds(), iat);
            Assert.InRange(exp - iat, 1, 3600);
        });

    [Fact]
    public async Task The_client_sends_a_verifiable_token_naming_the_configured_account()
    {
        await using var server = await FakeSnowflake.StartAsync();
        server.Handler = _ => new FakeResponse(200, Shapes.ResultSet([Shapes.Column("X", "fixed", 38, 0)], [["1"]]));
        using var client = server.Client(o => { o.Account = "MyOrg.Reporting_EU"; o.User = "svc_reports"; });

        await client.ExecuteAsync(new SnowflakeStatement("SELECT 1"), CancellationToken.None);

        var token = server.Requests.Single().Headers["Authorization"]["Bearer ".Length..];
        var (_, payload) = VerifiedParts(token, TestKeys.Key);
        Assert.Equal("MYORG-REPORTING_EU.SVC_REPORTS", payload.GetProperty("sub").GetString());
    }

    [Fact]
    public void Token_is_cached_then_renewed_before_it_expires()
    {
        var time = new ManualTime(Now);
        var options = TestKeys.Options(new Uri("http://127.0.0.1:1"));
        using var authenticator = new KeyPairAuthenticator(options, time);

        var first = authenticator.GetToken();
        time.Now = Now.AddMinutes(30);
        Assert.Same(first, authenticator.GetToken());

        time.Now = Now.AddMinutes(50);
        var renewed = authenticator.GetToken();
        Assert.NotEqual(first, renewed);
        var (_, payload) = VerifiedParts(renewed, TestKeys.Key);
        Assert.Equal(time.Now.ToUnixTimeSeconds(), payload.GetProperty("iat").GetInt64());
        Assert.True(payload.GetProperty("exp").GetInt64() > time.Now.ToUnixTimeSeconds(), "a renewed token must not be expired");
    }

    [Fact]
    public void Encrypted_pkcs8_key_loads_with_its_passphrase_and_from_a_file()
    {
        var pem = TestKeys.Key.ExportEncryptedPkcs8PrivateKeyPem("correct horse", new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 10_000));
        var path = Path.Combine(Path.GetTempPath(), "sf-key-" + Guid.NewGuid().ToString("N") + ".p8");
        File.WriteAllText(path, pem);
        try
        {
            var options = TestKeys.Options(new Uri("http://127.0.0.1:1"));
            options.PrivateKey = null;
            options.PrivateKeyPath = path;
            options.PrivateKeyPassphrase = "correct horse";
            using var key = KeyPairAuthenticator.LoadPrivateKey(options);
            Assert.Equal(Fingerprint(), KeyPairAuthenticator.Fingerprint(key));

            options.PrivateKeyPassphrase = "wrong";
            Assert.ThrowsAny<CryptographicException>(() => KeyPairAuthenticator.LoadPrivateKey(options));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("myorg-myaccount", "MYORG-MYACCOUNT", "https://myorg-myaccount.snowflakecomputing.com/")]
    [InlineData("myorg.my_account", "MYORG-MY_ACCOUNT", "https://myorg-my-account.snowflakecomputing.com/")]
    [InlineData("xy12345.us-east-2.aws", "XY12345", "https://xy12345.us-east-2.aws.snowflakecomputing.com/")]
    [InlineData("xy12345", "XY12345", "https://xy12345.snowflakecomputing.com/")]
    [InlineData("xy12345.east-us-2.azure.privatelink.snowflakecomputing.com", "XY12345", "https://xy12345.east-us-2.azure.snowflakecomputing.com/")]
    public void Account_forms_map_to_the_jwt_account_and_the_api_host(string account, string jwt, string baseUrl)
    {
        Assert.Equal(jwt, SnowflakeAccount.ForJwt(account));
        Assert.Equal(new Uri(baseUrl), SnowflakeAccount.BaseUrl(account));
    }

    [Fact]
    public void Client_token_comes_from_the_options_key()
    {
        var options = TestKeys.Options(new Uri("http://127.0.0.1:1"));
        using var client = new SnowflakeSqlApiClient(new HttpClient(), Options.Create(options));
        VerifiedParts(client.CurrentToken(), TestKeys.Key);
    }
}
