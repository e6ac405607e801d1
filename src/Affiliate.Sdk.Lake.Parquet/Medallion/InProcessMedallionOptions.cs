using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.Lake.Parquet.Medallion;

/// <summary>Settings of the in-process medallion engine (configuration section <c>AffiliateSdk:InProcessMedallion</c>).</summary>
public sealed class InProcessMedallionOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "AffiliateSdk:InProcessMedallion";

    /// <summary>The lake folder (ending in '/') where the engine keeps its manifest and lookup state. Default <c>_state/medallion/</c>.</summary>
    public string StatePrefix { get; set; } = "_state/medallion/";

    /// <summary>At most this many new bronze files are processed per run (in key order); 0 means no limit. Bounds a run's duration on a backlog.</summary>
    public int MaxBronzeFilesPerRun { get; set; }

    /// <summary>Rows per Parquet row group in the silver and gold files the engine writes. Default 122,880.</summary>
    public int RowGroupRows { get; set; } = 122_880;

    /// <summary>
    /// How far back (from the newest event processed) a duplicate's copy in another UTC date is still found and removed.
    /// The engine keeps a 32-byte index entry per click and impression within it. Default 30 days.
    /// </summary>
    public TimeSpan DedupHorizon { get; set; } = TimeSpan.FromDays(30);
}

/// <summary>Checks <see cref="InProcessMedallionOptions"/> at start; every message names the setting.</summary>
internal sealed class InProcessMedallionOptionsValidator : IValidateOptions<InProcessMedallionOptions>
{
    private const string P = InProcessMedallionOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, InProcessMedallionOptions options)
    {
        var errors = new List<string>();
        var prefix = options.StatePrefix;
        if (string.IsNullOrWhiteSpace(prefix) || !prefix.EndsWith('/') || prefix.StartsWith('/') || prefix.Contains('\\', StringComparison.Ordinal)
            || prefix.Split('/').SkipLast(1).Any(s => s.Length == 0 || s is "." or ".."))
        {
            errors.Add($"{P}:StatePrefix must be a relative '/'-separated folder ending in '/', such as '_state/medallion/' (was '{prefix}').");
        }
        else if (prefix.StartsWith("bronze/", StringComparison.Ordinal) || prefix.StartsWith("silver/", StringComparison.Ordinal) || prefix.StartsWith("gold/", StringComparison.Ordinal))
        {
            errors.Add($"{P}:StatePrefix must not lie under bronze/, silver/ or gold/ (was '{prefix}').");
        }

        if (options.MaxBronzeFilesPerRun < 0)
        {
            errors.Add($"{P}:MaxBronzeFilesPerRun must be 0 (no limit) or positive (was {options.MaxBronzeFilesPerRun}).");
        }

        if (options.DedupHorizon < TimeSpan.FromHours(1) || options.DedupHorizon > TimeSpan.FromDays(3660))
        {
            errors.Add($"{P}:DedupHorizon must be between 01:00:00 and 3660.00:00:00 (was {options.DedupHorizon}).");
        }

        if (options.RowGroupRows < 1)
        {
            errors.Add($"{P}:RowGroupRows must be at least 1 (was {options.RowGroupRows}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
