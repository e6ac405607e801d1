namespace Affiliate.Sdk.Databricks;

/// <summary>Settings of the generated Databricks pipeline.</summary>
public sealed class DatabricksPipelineOptions
{
    /// <summary>The lake's root URL (e.g. <c>s3://my-lake/affiliate/</c>); bronze is read from <c>bronze/events/</c> under it.</summary>
    public string LakeUrl { get; set; } = string.Empty;

    /// <summary>The pipeline's name in the workspace.</summary>
    public string PipelineName { get; set; } = "affiliate-medallion";

    /// <summary>The Unity Catalog catalog the pipeline publishes to.</summary>
    public string Catalog { get; set; } = "main";

    /// <summary>The schema the pipeline publishes its tables to.</summary>
    public string Schema { get; set; } = "affiliate";

    /// <summary>Whether the pipeline runs continuously (lowest latency) or is triggered on a schedule (lowest cost).</summary>
    public bool Continuous { get; set; }
}
