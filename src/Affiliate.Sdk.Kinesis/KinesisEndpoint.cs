namespace Affiliate.Sdk.Kinesis;

/// <summary>Resolves the region and endpoint from options.</summary>
internal static class KinesisEndpoint
{
    public static string? ResolveRegion(KinesisOptions options) =>
        !string.IsNullOrWhiteSpace(options.Region) ? options.Region
        : Environment.GetEnvironmentVariable("AWS_REGION") is { Length: > 0 } region ? region
        : Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION");

    public static Uri Resolve(KinesisOptions options, string region) =>
        options.ServiceUrl ?? new Uri($"https://kinesis.{region}.amazonaws.com/");
}
