using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.Pipeline;

/// <summary>Settings of the stream-to-lake worker (configuration section <c>AffiliateSdk:Pipeline:StreamToLake</c>).</summary>
public sealed class StreamToLakeOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "AffiliateSdk:Pipeline:StreamToLake";

    /// <summary>The most records read from the stream per call. Default 5,000.</summary>
    public int BatchSize { get; set; } = 5_000;

    /// <summary>How long one read waits for the first record. Default 1 second.</summary>
    public TimeSpan MaxWait { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest time appended records wait before a flush, whatever the writer's roll limits. Default 30 seconds.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether to flush as soon as a read finds the stream idle, for the freshest lake. Default <see langword="true"/>.</summary>
    public bool FlushWhenIdle { get; set; } = true;

    /// <summary>The first back-off after a fault; it doubles up to <see cref="RetryMaxDelay"/>. Default 200 ms.</summary>
    public TimeSpan RetryInitialDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest back-off between retries. Default 30 seconds.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>Checks <see cref="StreamToLakeOptions"/> at start; every message names the setting.</summary>
internal sealed class StreamToLakeOptionsValidator : IValidateOptions<StreamToLakeOptions>
{
    private const string P = StreamToLakeOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, StreamToLakeOptions options)
    {
        var errors = new List<string>();
        if (options.BatchSize is < 1 or > 1_000_000)
        {
            errors.Add($"{P}:BatchSize must be between 1 and 1000000 (was {options.BatchSize}).");
        }

        if (options.MaxWait <= TimeSpan.Zero || options.MaxWait > TimeSpan.FromMinutes(5))
        {
            errors.Add($"{P}:MaxWait must be positive and at most 5 minutes (was {options.MaxWait}).");
        }

        if (options.FlushInterval <= TimeSpan.Zero)
        {
            errors.Add($"{P}:FlushInterval must be positive (was {options.FlushInterval}).");
        }

        if (options.RetryInitialDelay <= TimeSpan.Zero)
        {
            errors.Add($"{P}:RetryInitialDelay must be positive (was {options.RetryInitialDelay}).");
        }

        if (options.RetryMaxDelay < options.RetryInitialDelay)
        {
            errors.Add($"{P}:RetryMaxDelay must be at least {P}:RetryInitialDelay (was {options.RetryMaxDelay}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
