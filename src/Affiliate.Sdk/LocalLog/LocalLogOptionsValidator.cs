using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.LocalLog;

/// <summary>Checks <see cref="LocalLogOptions"/> at start; every message names the setting.</summary>
internal sealed class LocalLogOptionsValidator : IValidateOptions<LocalLogOptions>
{
    internal const long MinSegmentBytes = 4 * 1024;
    internal const int MinBatchBytes = 4 * 1024;
    internal const int MaxRecordLimit = 64 * 1024 * 1024;

    public ValidateOptionsResult Validate(string? name, LocalLogOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string prefix = LocalLogOptions.SectionName;
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Directory))
        {
            errors.Add($"{prefix}:Directory must name a directory (default 'data/log').");
        }
        else if (options.Directory.AsSpan().IndexOfAny(Path.GetInvalidPathChars()) >= 0)
        {
            errors.Add($"{prefix}:Directory '{options.Directory}' contains characters that are not allowed in a path.");
        }

        if (options.SegmentBytes < MinSegmentBytes)
        {
            errors.Add($"{prefix}:SegmentBytes must be at least {MinSegmentBytes} (was {options.SegmentBytes}).");
        }

        if (options.MaxBatchBytes < MinBatchBytes)
        {
            errors.Add($"{prefix}:MaxBatchBytes must be at least {MinBatchBytes} (was {options.MaxBatchBytes}).");
        }

        if (options.SyncsInFlight is < 1 or > 8)
        {
            errors.Add($"{prefix}:SyncsInFlight must be between 1 and 8 (was {options.SyncsInFlight}).");
        }

        if (options.MaxRecordBytes is < 1 or > MaxRecordLimit)
        {
            errors.Add($"{prefix}:MaxRecordBytes must be between 1 and {MaxRecordLimit} (was {options.MaxRecordBytes}).");
        }

        for (var i = 0; i < options.Consumers.Count; i++)
        {
            if (!ConsumerName.IsValid(options.Consumers[i]))
            {
                errors.Add($"{prefix}:Consumers:{i} '{options.Consumers[i]}' is not a valid consumer name ({ConsumerName.Rule}).");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>Consumer names become file names, so they are restricted to a portable set.</summary>
internal static class ConsumerName
{
    public const string Rule = "1 to 64 characters of a-z, A-Z, 0-9, '-', '_' or '.', not starting with '.'";

    public static bool IsValid(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 64 || name[0] == '.')
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                return false;
            }
        }

        return true;
    }

    public static void ThrowIfInvalid(string name)
    {
        if (!IsValid(name))
        {
            throw new ArgumentException($"'{name}' is not a valid consumer name ({Rule}).", nameof(name));
        }
    }
}
