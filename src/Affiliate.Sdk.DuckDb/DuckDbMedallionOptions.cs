namespace Affiliate.Sdk.DuckDb;

/// <summary>Settings of the DuckDB medallion engine and report client (configuration section <c>AffiliateSdk:DuckDb</c>).</summary>
public sealed class DuckDbMedallionOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "AffiliateSdk:DuckDb";

    /// <summary>The name of the database file kept in <see cref="StateDirectory"/>.</summary>
    public const string DatabaseFileName = "medallion.duckdb";

    /// <summary>Root of the local lake; bronze is read from <c>{LakeRoot}/bronze/events/</c>.</summary>
    public string LakeRoot { get; set; } = "data/lake";

    /// <summary>Directory of the engine's state: the DuckDB database holding silver, gold and the processed-file list.</summary>
    public string StateDirectory { get; set; } = "data/duckdb";

    /// <summary>How often the medallion worker runs the engine.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Most bronze files merged in one transaction; a run with more pending files commits several batches.</summary>
    public int MaxFilesPerBatch { get; set; } = 2000;

    /// <summary>
    /// DuckDB's memory limit, such as <c>4GB</c>; it spills to disk beyond it. Default <c>1GB</c>, which keeps a 10-million-event
    /// backfill under 2 GB of process memory; <see langword="null"/> leaves DuckDB's own default (80 % of RAM).
    /// </summary>
    public string? MemoryLimit { get; set; } = "1GB";

    /// <summary>Optional number of DuckDB worker threads (DuckDB's default is one per core).</summary>
    public int? Threads { get; set; }

    internal string DatabasePath => Path.GetFullPath(Path.Combine(StateDirectory, DatabaseFileName));

    internal string BronzeEventsRoot => Path.GetFullPath(Path.Combine(LakeRoot, "bronze", "events"));
}
