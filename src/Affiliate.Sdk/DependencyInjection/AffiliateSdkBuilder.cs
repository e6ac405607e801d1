using Microsoft.Extensions.DependencyInjection;

namespace Affiliate.Sdk.DependencyInjection;

/// <summary>
/// Returned by <see cref="AffiliateSdkServiceCollectionExtensions.AddAffiliateSdk(IServiceCollection, Action{AffiliateSdkOptions}?)"/>;
/// adapter packages extend it (<c>.AddKafka(…)</c>, <c>.AddParquetLake(…)</c>) so registration reads as one sentence.
/// </summary>
public sealed class AffiliateSdkBuilder
{
    internal AffiliateSdkBuilder(IServiceCollection services) => Services = services;

    /// <summary>The service collection the SDK registers into.</summary>
    public IServiceCollection Services { get; }
}
