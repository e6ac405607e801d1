namespace Affiliate.Sdk.Postgres;

/// <summary>Settings of the PostgreSQL report store, bound from <c>AffiliateSdk:Postgres</c>.</summary>
public sealed class PostgresReportsOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "AffiliateSdk:Postgres";

    /// <summary>Npgsql connection string of the report database. A secret: keep it in user secrets or the environment; it is never logged.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>PostgreSQL schema holding the gold tables, created by the package. Default <c>affiliate_sdk</c>.</summary>
    public string Schema { get; set; } = "affiliate_sdk";

    /// <summary>Whether the hosted worker loads changed gold partitions from the lake. Default <see langword="true"/>.</summary>
    public bool LoadGold { get; set; } = true;

    /// <summary>How often the worker looks for changed gold partitions. Default 10 seconds.</summary>
    public TimeSpan LoadInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest wait after repeated failed loads (the interval doubles per failure up to this). Default 5 minutes.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Timeout of one report query in seconds. Default 30; 0 waits indefinitely.</summary>
    public int CommandTimeoutSeconds { get; set; } = 30;

    /// <summary>Longest one statement of a gold load may take (a backfill copies millions of rows). Default 30 minutes.</summary>
    public TimeSpan LoadTimeout { get; set; } = TimeSpan.FromMinutes(30);
}
