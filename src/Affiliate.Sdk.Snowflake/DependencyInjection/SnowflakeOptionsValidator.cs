using System.Security.Cryptography;
using Affiliate.Sdk.Snowflake;
using Affiliate.Sdk.Snowflake.Reports;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.DependencyInjection;

/// <summary>Checks <see cref="SnowflakeOptions"/> at start; every message names the setting and none repeats a secret.</summary>
internal sealed class SnowflakeOptionsValidator : IValidateOptions<SnowflakeOptions>
{
    private const string P = SnowflakeOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, SnowflakeOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Account))
        {
            errors.Add($"{P}:Account must name the Snowflake account (e.g. myorg-myaccount).");
        }

        var hasInlineKey = !string.IsNullOrWhiteSpace(options.PrivateKey);
        var hasKeyPath = !string.IsNullOrWhiteSpace(options.PrivateKeyPath);
        var hasOAuth = !string.IsNullOrWhiteSpace(options.OAuthToken);
        if (hasInlineKey && hasKeyPath)
        {
            errors.Add($"{P}:PrivateKey and {P}:PrivateKeyPath are both set; set one.");
        }
        else if ((hasInlineKey || hasKeyPath) && hasOAuth)
        {
            errors.Add($"{P}:OAuthToken and a private key are both set; set one way to authenticate.");
        }
        else if (!hasInlineKey && !hasKeyPath && !hasOAuth)
        {
            errors.Add($"{P}:PrivateKey (or {P}:PrivateKeyPath) or {P}:OAuthToken must be set to authenticate.");
        }
        else if (hasInlineKey || hasKeyPath)
        {
            if (string.IsNullOrWhiteSpace(options.User))
            {
                errors.Add($"{P}:User must name the Snowflake user that holds the public key.");
            }

            var setting = hasKeyPath ? $"{P}:PrivateKeyPath" : $"{P}:PrivateKey";
            if (hasKeyPath && !File.Exists(options.PrivateKeyPath))
            {
                errors.Add($"{setting} names a file that does not exist ('{options.PrivateKeyPath}').");
            }
            else
            {
                try
                {
                    using var key = KeyPairAuthenticator.LoadPrivateKey(options);
                }
                catch (Exception e) when (e is CryptographicException or ArgumentException or IOException or UnauthorizedAccessException)
                {
                    // The exception type only: its message could quote part of the key.
                    errors.Add($"{setting} could not be read as an RSA private key in PEM ({e.GetType().Name}); check {P}:PrivateKeyPassphrase for an encrypted key.");
                }
            }
        }

        if (options.BaseUrl is { } url && (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp)))
        {
            errors.Add($"{P}:BaseUrl must be an absolute https address (was '{url}').");
        }

        Positive(errors, "StatementTimeout", options.StatementTimeout, TimeSpan.FromDays(7));
        Positive(errors, "RequestTimeout", options.RequestTimeout, TimeSpan.FromHours(1));
        Positive(errors, "RetryBaseDelay", options.RetryBaseDelay, TimeSpan.FromMinutes(5));
        Positive(errors, "MaxRetryDelay", options.MaxRetryDelay, TimeSpan.FromHours(1));
        Positive(errors, "PollInterval", options.PollInterval, TimeSpan.FromMinutes(1));
        Positive(errors, "MaxPollInterval", options.MaxPollInterval, TimeSpan.FromMinutes(10));
        Positive(errors, "JwtLifetime", options.JwtLifetime, TimeSpan.FromHours(1));
        if (options.MaxRetries is < 0 or > 50)
        {
            errors.Add($"{P}:MaxRetries must be between 0 and 50 (was {options.MaxRetries}).");
        }

        Identifier(errors, "GoldHourlyTable", options.GoldHourlyTable);
        Identifier(errors, "GoldDailyTable", options.GoldDailyTable);
        if (!string.IsNullOrWhiteSpace(options.FreshnessTable))
        {
            Identifier(errors, "FreshnessTable", options.FreshnessTable);
            Identifier(errors, "FreshnessColumn", options.FreshnessColumn);
        }

        if (string.IsNullOrWhiteSpace(options.UserAgent))
        {
            errors.Add($"{P}:UserAgent must not be empty (the SQL API requires a User-Agent).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Positive(List<string> errors, string setting, TimeSpan value, TimeSpan max)
    {
        if (value <= TimeSpan.Zero || value > max)
        {
            errors.Add($"{P}:{setting} must be positive and at most {max} (was {value}).");
        }
    }

    private static void Identifier(List<string> errors, string setting, string? value)
    {
        if (!SnowflakeIdentifier.IsValid(value))
        {
            errors.Add($"{P}:{setting} must be a plain identifier such as GOLD_DAILY or DB.SCHEMA.GOLD_DAILY (was '{value}').");
        }
    }
}
