using System.Diagnostics.Metrics;
using Affiliate.Sdk.Pipeline;
using Affiliate.Sdk.S3;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.DependencyInjection;

/// <summary>Puts the lake on Amazon S3 or an S3-compatible service.</summary>
public static class S3AffiliateSdkBuilderExtensions
{
    /// <summary>
    /// Registers an <see cref="S3BlobStore"/> as the lake's <see cref="IBlobStore"/>, replacing the local-disk store, so the
    /// Parquet lake writer, compactor and readers run on S3 (call it before or after <c>AddParquetLake</c>).
    /// Options bind from <c>AffiliateSdk:S3</c> and are validated at start.
    /// </summary>
    /// <param name="builder">The SDK builder.</param>
    /// <param name="configure">Changes options after configuration binding.</param>
    /// <returns>The builder.</returns>
    public static AffiliateSdkBuilder AddS3Lake(this AffiliateSdkBuilder builder, Action<S3LakeOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<S3LakeOptions>();
        if (!services.Any(d => d.ServiceType == typeof(IValidateOptions<S3LakeOptions>)))
        {
            options.BindSectionIfPresent(S3LakeOptions.SectionName);
            options.ValidateOnStart();
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<S3LakeOptions>, S3LakeOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new S3BlobStore(
            sp.GetRequiredService<IOptions<S3LakeOptions>>().Value,
            sp.GetService<ILogger<S3BlobStore>>(),
            sp.GetService<IMeterFactory>(),
            sp.GetRequiredService<TimeProvider>()));

        // Replace whatever store is registered (AddParquetLake's local disk adds its own only if none is there).
        services.RemoveAll<IBlobStore>();
        services.AddSingleton<IBlobStore>(sp => sp.GetRequiredService<S3BlobStore>());
        return builder;
    }
}
