using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.Kinesis;

/// <summary>Checks <see cref="KinesisOptions"/> at start; every message names the setting.</summary>
internal sealed class KinesisOptionsValidator : IValidateOptions<KinesisOptions>
{
    internal const int KinesisMaxRecordsPerCall = 500;
    internal const int KinesisMaxBytesPerCall = 5 * 1024 * 1024;
    internal const int KinesisMaxRecordBytes = 10 * 1024 * 1024;

    public ValidateOptionsResult Validate(string? name, KinesisOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string p = KinesisOptions.SectionName;
        var errors = new List<string>();
        if (!StreamNames.IsValid(options.StreamName))
        {
            errors.Add($"{p}:StreamName must be 1 to 128 characters of a-z, A-Z, 0-9, '_', '.' or '-' (was '{options.StreamName}').");
        }

        if (string.IsNullOrWhiteSpace(KinesisEndpoint.ResolveRegion(options)))
        {
            errors.Add($"{p}:Region must name an AWS region such as 'eu-west-1' (or set AWS_REGION).");
        }

        if (options.ServiceUrl is { } url && (!url.IsAbsoluteUri || url.Scheme is not ("http" or "https")))
        {
            errors.Add($"{p}:ServiceUrl must be an absolute http or https URL (was '{url}').");
        }

        if (string.IsNullOrEmpty(options.AccessKeyId) != string.IsNullOrEmpty(options.SecretAccessKey))
        {
            errors.Add($"{p}:AccessKeyId and {p}:SecretAccessKey must be set together (or neither, for the default credential chain).");
        }

        if (options.MaxRecordBytes is < 1024 or > KinesisMaxRecordBytes)
        {
            errors.Add($"{p}:MaxRecordBytes must be between 1024 and {KinesisMaxRecordBytes} (was {options.MaxRecordBytes}).");
        }

        if (options.AggregationMaxBytes < 1024 || options.AggregationMaxBytes > options.MaxRecordBytes)
        {
            errors.Add($"{p}:AggregationMaxBytes must be between 1024 and {p}:MaxRecordBytes ({options.MaxRecordBytes}) (was {options.AggregationMaxBytes}).");
        }

        if (options.MaxRecordsPerCall is < 1 or > KinesisMaxRecordsPerCall)
        {
            errors.Add($"{p}:MaxRecordsPerCall must be between 1 and {KinesisMaxRecordsPerCall} (was {options.MaxRecordsPerCall}).");
        }

        if (options.MaxBytesPerCall < options.MaxRecordBytes || options.MaxBytesPerCall > KinesisMaxBytesPerCall)
        {
            errors.Add($"{p}:MaxBytesPerCall must be between {p}:MaxRecordBytes ({options.MaxRecordBytes}) and {KinesisMaxBytesPerCall} (was {options.MaxBytesPerCall}).");
        }

        RequireRange(errors, $"{p}:Linger", options.Linger, TimeSpan.Zero, TimeSpan.FromSeconds(10));
        RequireRange(errors, $"{p}:RecordTtl", options.RecordTtl, TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1));
        RequireRange(errors, $"{p}:RetryBaseDelay", options.RetryBaseDelay, TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(1));
        RequireRange(errors, $"{p}:RetryMaxDelay", options.RetryMaxDelay, options.RetryBaseDelay, TimeSpan.FromMinutes(5));
        RequireRange(errors, $"{p}:ShardRefreshInterval", options.ShardRefreshInterval, TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1));
        RequireRange(errors, $"{p}:RequestTimeout", options.RequestTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(10));
        RequireRange(errors, $"{p}:LeaseDuration", options.LeaseDuration, TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1));
        RequireRange(errors, $"{p}:ReadInterval", options.ReadInterval, TimeSpan.Zero, TimeSpan.FromMinutes(1));
        if (options.MaxBufferedEvents < 1)
        {
            errors.Add($"{p}:MaxBufferedEvents must be at least 1 (was {options.MaxBufferedEvents}).");
        }

        if (options.MaxRecordsPerRead is < 1 or > 10_000)
        {
            errors.Add($"{p}:MaxRecordsPerRead must be between 1 and 10000 (was {options.MaxRecordsPerRead}).");
        }

        if (string.IsNullOrWhiteSpace(options.CheckpointDirectory))
        {
            errors.Add($"{p}:CheckpointDirectory must name a directory (default 'data/kinesis').");
        }

        if (options.WorkerId is { } worker && (worker.Length is 0 or > 128 || worker.Any(char.IsControl)))
        {
            errors.Add($"{p}:WorkerId must be 1 to 128 printable characters (was '{worker}').");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void RequireRange(List<string> errors, string setting, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            errors.Add($"{setting} must be between {min} and {max} (was {value}).");
        }
    }
}

/// <summary>Kinesis stream names: 1–128 of <c>[a-zA-Z0-9_.-]</c>.</summary>
internal static class StreamNames
{
    public static bool IsValid(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 128)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-'))
            {
                return false;
            }
        }

        return true;
    }
}
