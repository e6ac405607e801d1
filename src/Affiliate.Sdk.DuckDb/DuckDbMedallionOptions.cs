namespace Affiliate.Sdk.DuckDb;

/// <summary>Settings of the DuckDB medallion engine and report client (configuration section <c>AffiliateSdk:DuckDb</c>).</summary>
public sealed class DuckDbMedallionOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "AffiliateSdk:DuckDb";

    /// <summary>The name of the database file kept in <see cref="StateDirectory"/>.</summary>
    public const string DatabaseFileName = "medallion.duckdb";

    /// <summary>Root of the local lake; bronze is read from <c>{LakeRoot}/bronze/events/</c> when <see cref="BronzeSource"/> is <see cref="DuckDbBronzeSource.LocalDirectory"/>.</summary>
    public string LakeRoot { get; set; } = "data/lake";

    /// <summary>Where bronze comes from: the local <see cref="LakeRoot"/> (default) or the registered lake store (S3), mirrored file by file.</summary>
    public DuckDbBronzeSource BronzeSource { get; set; } = DuckDbBronzeSource.LocalDirectory;

    /// <summary>
    /// Local directory where bronze files from the lake store wait until the engine has merged them (then they are
    /// deleted); used with <see cref="DuckDbBronzeSource.BlobStore"/>. Default <c>{StateDirectory}/bronze-cache</c>.
    /// </summary>
    public string? BronzeCacheDirectory { get; set; }

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

    /// <summary>The local root the engine reads bronze under: the lake, or the cache of files mirrored from the lake store.</summary>
    internal string EffectiveLakeRoot => Path.GetFullPath(
        BronzeSource == DuckDbBronzeSource.BlobStore ? BronzeCacheDirectory ?? Path.Combine(StateDirectory, "bronze-cache") : LakeRoot);

    internal string BronzeEventsRoot => Path.Combine(EffectiveLakeRoot, "bronze", "events");
}

/// <summary>Where the DuckDB medallion engine reads bronze from.</summary>
public enum DuckDbBronzeSource
{
    /// <summary>Bronze Parquet files under <see cref="DuckDbMedallionOptions.LakeRoot"/> on local disk.</summary>
    LocalDirectory = 0,

    /// <summary>
    /// Bronze files of the registered <see cref="Affiliate.Sdk.Pipeline.IBlobStore"/> (such as S3): each run first copies
    /// the files it has not merged yet into <see cref="DuckDbMedallionOptions.BronzeCacheDirectory"/>; no DuckDB extension needed.
    /// </summary>
    BlobStore = 1,
}
