using System.Security.Cryptography;

namespace Affiliate.Sdk.Snowflake.Tests;

/// <summary>One RSA key pair for the tests (generating keys is slow) and client options pointing at a fake server.</summary>
public static class TestKeys
{
    public static readonly RSA Key = RSA.Create(2048);

    public static readonly string Pem = Key.ExportPkcs8PrivateKeyPem();

    public static SnowflakeOptions Options(Uri baseUrl) => new()
    {
        Account = "myorg-myaccount",
        User = "report_reader",
        Role = "REPORTER",
        Warehouse = "REPORT_WH",
        Database = "AFFILIATE",
        Schema = "GOLD",
        PrivateKey = Pem,
        BaseUrl = baseUrl,
        RetryBaseDelay = TimeSpan.FromMilliseconds(1),
        MaxRetryDelay = TimeSpan.FromMilliseconds(5),
        PollInterval = TimeSpan.FromMilliseconds(1),
        MaxPollInterval = TimeSpan.FromMilliseconds(5),
        MaxRetries = 3,
    };
}

/// <summary>A clock the test moves by hand.</summary>
public sealed class ManualTime(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
