using Affiliate.Sdk.Lake.Parquet;
using Affiliate.Sdk.Pipeline;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.DependencyInjection;

/// <summary>Registers the Parquet lake.</summary>
public static class ParquetLakeAffiliateSdkBuilderExtensions
{
    /// <summary>
    /// Adds the Parquet lake: a local-disk <see cref="IBlobStore"/> at <c>AffiliateSdk:Lake:Root</c> (unless another store,
    /// such as S3, is registered), the bronze <see cref="ILakeWriter"/>, <see cref="BronzeReader"/>, <see cref="LakeCompactor"/>
    /// the stream-to-lake worker and the compaction worker. Options bind from <c>AffiliateSdk:Lake</c> and are validated at start.
    /// </summary>
    /// <param name="builder">The SDK builder.</param>
    /// <param name="configure">Changes options after configuration binding.</param>
    /// <returns>The builder.</returns>
    public static AffiliateSdkBuilder AddParquetLake(this AffiliateSdkBuilder builder, Action<ParquetLakeOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<ParquetLakeOptions>();
        if (!services.Any(d => d.ServiceType == typeof(IValidateOptions<ParquetLakeOptions>)))
        {
            options.BindSectionIfPresent(ParquetLakeOptions.SectionName);
            options.ValidateOnStart();
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ParquetLakeOptions>, ParquetLakeOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IBlobStore>(sp => new LocalDiskBlobStore(ResolveRoot(sp, sp.GetRequiredService<IOptions<ParquetLakeOptions>>().Value.Root)));
        services.TryAddSingleton<ILakeWriter>(sp => new ParquetLakeWriter(
            sp.GetRequiredService<IBlobStore>(),
            sp.GetRequiredService<IOptions<ParquetLakeOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<ParquetLakeWriter>>()));
        services.TryAddSingleton(sp => new BronzeReader(sp.GetRequiredService<IBlobStore>()));
        services.TryAddSingleton(sp => new LakeCompactor(
            sp.GetRequiredService<IBlobStore>(),
            sp.GetRequiredService<IOptions<ParquetLakeOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<LakeCompactor>>()));
        if (!services.Any(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(LakeCompactionWorker)))
        {
            services.AddHostedService<LakeCompactionWorker>();
        }

        return builder.AddStreamToLake();
    }

    /// <summary>A relative root resolves against the host's content root when there is a host, else the working directory.</summary>
    private static string ResolveRoot(IServiceProvider services, string root) =>
        Path.IsPathRooted(root) || services.GetService<IHostEnvironment>() is not { ContentRootPath: { Length: > 0 } contentRoot }
            ? Path.GetFullPath(root)
            : Path.GetFullPath(Path.Combine(contentRoot, root));
}
