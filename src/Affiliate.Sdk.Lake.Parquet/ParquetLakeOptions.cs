using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.Lake.Parquet;

/// <summary>Settings of the Parquet lake (configuration section <c>AffiliateSdk:Lake</c>).</summary>
public sealed class ParquetLakeOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "AffiliateSdk:Lake";

    /// <summary>The lake's root directory for the local-disk store; relative paths resolve against the host's content root (else the working directory).</summary>
    public string Root { get; set; } = "data/lake";

    /// <summary>Roll a file once its buffered rows reach about this many bytes (uncompressed estimate). Default 64 MiB.</summary>
    public long TargetFileBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Roll a file once it holds this many rows. Default 1,000,000.</summary>
    public int MaxRowsPerFile { get; set; } = 1_000_000;

    /// <summary>Flush a file at the latest this long after its first row was buffered. Default 1 minute.</summary>
    public TimeSpan MaxFileAge { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Rows per Parquet row group (the unit engines scan and prune). Default 122,880, DuckDB's own.</summary>
    public int RowGroupRows { get; set; } = 122_880;

    /// <summary>Flush when all buffered rows together reach about this many bytes. Default 256 MiB.</summary>
    public long MaxBufferedBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>How many partition files a flush encodes at once. Default: the number of processors.</summary>
    public int FlushParallelism { get; set; } = Environment.ProcessorCount;

    /// <summary>Compaction merges files smaller than this within a partition. Default 16 MiB.</summary>
    public long CompactionSmallFileBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>How often the compaction worker merges small bronze files; <see cref="TimeSpan.Zero"/> turns it off. Default 10 minutes.</summary>
    public TimeSpan CompactionInterval { get; set; } = TimeSpan.FromMinutes(10);
}

/// <summary>Checks <see cref="ParquetLakeOptions"/> at start; every message names the setting.</summary>
internal sealed class ParquetLakeOptionsValidator : IValidateOptions<ParquetLakeOptions>
{
    private const string P = ParquetLakeOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, ParquetLakeOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Root))
        {
            errors.Add($"{P}:Root must name the lake's directory.");
        }

        if (options.TargetFileBytes < 64 * 1024)
        {
            errors.Add($"{P}:TargetFileBytes must be at least 65536 (was {options.TargetFileBytes}).");
        }

        if (options.MaxRowsPerFile < 1)
        {
            errors.Add($"{P}:MaxRowsPerFile must be at least 1 (was {options.MaxRowsPerFile}).");
        }

        if (options.MaxFileAge <= TimeSpan.Zero)
        {
            errors.Add($"{P}:MaxFileAge must be positive (was {options.MaxFileAge}).");
        }

        if (options.RowGroupRows < 1)
        {
            errors.Add($"{P}:RowGroupRows must be at least 1 (was {options.RowGroupRows}).");
        }

        if (options.MaxBufferedBytes < options.TargetFileBytes)
        {
            errors.Add($"{P}:MaxBufferedBytes must be at least {P}:TargetFileBytes ({options.TargetFileBytes}) (was {options.MaxBufferedBytes}).");
        }

        if (options.FlushParallelism < 1)
        {
            errors.Add($"{P}:FlushParallelism must be at least 1 (was {options.FlushParallelism}).");
        }

        if (options.CompactionInterval < TimeSpan.Zero)
        {
            errors.Add($"{P}:CompactionInterval must be zero (off) or positive (was {options.CompactionInterval}).");
        }

        if (options.CompactionSmallFileBytes < 1)
        {
            errors.Add($"{P}:CompactionSmallFileBytes must be positive (was {options.CompactionSmallFileBytes}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
