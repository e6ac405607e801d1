namespace Affiliate.Sdk.Snowflake.Ddl;

/// <summary>Where and how the medallion model is created in Snowflake (names are plain identifiers, validated).</summary>
public sealed class SnowflakeModelOptions
{
    /// <summary>The database holding every object.</summary>
    public string Database { get; set; } = string.Empty;

    /// <summary>The schema holding every object.</summary>
    public string Schema { get; set; } = "AFFILIATE";

    /// <summary>The warehouse that refreshes the dynamic tables.</summary>
    public string Warehouse { get; set; } = string.Empty;

    /// <summary>The storage integration granting Snowflake read access to the lake's bucket (created by an account admin).</summary>
    public string StorageIntegration { get; set; } = string.Empty;

    /// <summary>The lake's root URL (e.g. <c>s3://my-lake/affiliate/</c>); Snowpipe loads <c>bronze/events/</c> under it.</summary>
    public string LakeUrl { get; set; } = string.Empty;

    /// <summary>
    /// How stale gold (and the rejects table) may be; silver refreshes as gold needs it (<c>DOWNSTREAM</c>). At least one
    /// minute. Shorter lags cost more warehouse time.
    /// </summary>
    public TimeSpan TargetLag { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Name of the Parquet file format.</summary>
    public string FileFormatName { get; set; } = "AFFILIATE_PARQUET";

    /// <summary>Name of the external stage on the lake.</summary>
    public string StageName { get; set; } = "AFFILIATE_LAKE";

    /// <summary>Name of the Snowpipe that loads bronze.</summary>
    public string PipeName { get; set; } = "AFFILIATE_BRONZE_PIPE";
}
