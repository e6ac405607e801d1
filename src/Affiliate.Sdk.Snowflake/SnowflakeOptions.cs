namespace Affiliate.Sdk.Snowflake;

/// <summary>
/// Settings of the Snowflake SQL API client and the report client (configuration section <c>AffiliateSdk:Snowflake</c>).
/// Authenticate with a key pair (<see cref="PrivateKey"/> or <see cref="PrivateKeyPath"/>) or an <see cref="OAuthToken"/>.
/// </summary>
public sealed class SnowflakeOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "AffiliateSdk:Snowflake";

    /// <summary>Account identifier: <c>myorg-myaccount</c> (preferred), <c>myorg.myaccount</c>, or a locator such as <c>xy12345.us-east-2.aws</c>.</summary>
    public string Account { get; set; } = string.Empty;

    /// <summary>The Snowflake user the statements run as.</summary>
    public string User { get; set; } = string.Empty;

    /// <summary>Role for the statements; the user's default role when empty.</summary>
    public string? Role { get; set; }

    /// <summary>Warehouse that runs the statements; the user's default warehouse when empty.</summary>
    public string? Warehouse { get; set; }

    /// <summary>Database of the medallion tables; the user's default namespace when empty.</summary>
    public string? Database { get; set; }

    /// <summary>Schema of the medallion tables; the user's default namespace when empty.</summary>
    public string? Schema { get; set; }

    /// <summary>The RSA private key in PEM (PKCS#8, encrypted PKCS#8 or PKCS#1) for key-pair authentication. A secret: never logged.</summary>
    public string? PrivateKey { get; set; }

    /// <summary>Path of a PEM file holding the RSA private key (instead of <see cref="PrivateKey"/>).</summary>
    public string? PrivateKeyPath { get; set; }

    /// <summary>Passphrase of an encrypted private key. A secret: never logged.</summary>
    public string? PrivateKeyPassphrase { get; set; }

    /// <summary>An OAuth access token, used instead of a key pair. A secret: never logged.</summary>
    public string? OAuthToken { get; set; }

    /// <summary>The API's base address; defaults to <c>https://&lt;account&gt;.snowflakecomputing.com</c> (set it for private link).</summary>
    public Uri? BaseUrl { get; set; }

    /// <summary>Longest time Snowflake may run one statement before cancelling it (the request's <c>timeout</c>).</summary>
    public TimeSpan StatementTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Longest time one HTTP exchange with the API may take before it is retried.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(90);

    /// <summary>Retries of a throttled or unavailable request (HTTP 429, 503, 504, 408, network failures) before giving up.</summary>
    public int MaxRetries { get; set; } = 6;

    /// <summary>First retry delay; doubled each attempt with jitter, capped by <see cref="MaxRetryDelay"/>, or as the server's Retry-After says.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Longest delay between two retries.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>First delay between two status checks of a running statement; doubled up to <see cref="MaxPollInterval"/>.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest delay between two status checks of a running statement.</summary>
    public TimeSpan MaxPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Lifetime of a key-pair JWT (at most one hour, as Snowflake requires); it is renewed before it expires.</summary>
    public TimeSpan JwtLifetime { get; set; } = TimeSpan.FromMinutes(59);

    /// <summary>Table (or dynamic table) of hourly gold, resolved like an unquoted Snowflake identifier.</summary>
    public string GoldHourlyTable { get; set; } = "GOLD_HOURLY";

    /// <summary>Table (or dynamic table) of daily gold, resolved like an unquoted Snowflake identifier.</summary>
    public string GoldDailyTable { get; set; } = "GOLD_DAILY";

    /// <summary>Optional table whose newest <see cref="FreshnessColumn"/> is the reports' freshness (e.g. a silver table); none when empty.</summary>
    public string? FreshnessTable { get; set; }

    /// <summary>Timestamp column of <see cref="FreshnessTable"/> (UTC).</summary>
    public string FreshnessColumn { get; set; } = "OCCURRED_AT";

    /// <summary>Sent as the User-Agent header, which the SQL API requires.</summary>
    public string UserAgent { get; set; } = "Affiliate.Sdk.Snowflake/" + (typeof(SnowflakeOptions).Assembly.GetName().Version?.ToString(3) ?? "0");
}
