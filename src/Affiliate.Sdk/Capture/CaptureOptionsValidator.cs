using Affiliate.Sdk.Events;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.Capture;

/// <summary>Checks <see cref="CaptureOptions"/> at start; every message names the setting.</summary>
internal sealed class CaptureOptionsValidator : IValidateOptions<CaptureOptions>
{
    private const int MinSecretLength = 16;
    private const string Path = CaptureOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, CaptureOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (!Enum.IsDefined(options.IpAnonymization))
        {
            errors.Add($"{Path}:IpAnonymization must be Truncate or Hash.");
        }
        else if (options.IpAnonymization == IpAnonymizationMode.Hash && (options.IpHashSalt is null || options.IpHashSalt.Length < MinSecretLength))
        {
            errors.Add($"{Path}:IpHashSalt must be at least {MinSecretLength} characters when {Path}:IpAnonymization is Hash.");
        }

        for (var i = 0; i < options.BotUserAgentPatterns.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(options.BotUserAgentPatterns[i]))
            {
                errors.Add($"{Path}:BotUserAgentPatterns:{i} must not be empty.");
            }
        }

        for (var i = 0; i < options.BatchApiKeys.Count; i++)
        {
            if (options.BatchApiKeys[i] is null || options.BatchApiKeys[i].Length < MinSecretLength)
            {
                errors.Add($"{Path}:BatchApiKeys:{i} must be at least {MinSecretLength} characters.");
            }
        }

        Range(options.MaxUserAgentLength, 0, TrackingEventLimits.MaxUserAgentLength, "MaxUserAgentLength", errors);
        Range(options.MaxReferrerLength, 0, TrackingEventLimits.MaxReferrerLength, "MaxReferrerLength", errors);
        Range(options.MaxBatchEvents, 1, 100_000, "MaxBatchEvents", errors);
        Range(options.MaxBatchBytes, 1024, 256 * 1024 * 1024, "MaxBatchBytes", errors);
        Range(options.MaxPostbackBytes, 256, 1024 * 1024, "MaxPostbackBytes", errors);
        Range(options.RetryAfterSeconds, 1, 3600, "RetryAfterSeconds", errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Range(int value, int min, int max, string setting, List<string> errors)
    {
        if (value < min || value > max)
        {
            errors.Add($"{Path}:{setting} must be between {min} and {max} (was {value}).");
        }
    }
}
