namespace Affiliate.Sdk.Pipeline;

/// <summary>How often <see cref="MedallionWorker"/> runs the medallion engine and how it backs off after failures.</summary>
public sealed class MedallionWorkerOptions
{
    /// <summary>The configuration section these options bind from: <c>AffiliateSdk:Pipeline:Medallion</c>.</summary>
    public const string SectionName = "AffiliateSdk:Pipeline:Medallion";

    /// <summary>Time between the end of one run and the start of the next.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Longest wait after consecutive failed runs (the wait doubles from <see cref="Interval"/> up to this).</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(1);
}
