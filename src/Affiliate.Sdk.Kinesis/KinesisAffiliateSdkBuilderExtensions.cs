using Affiliate.Sdk.Kinesis;
using Affiliate.Sdk.Pipeline;
using Amazon.Runtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.DependencyInjection;

/// <summary>Registers the Kinesis stream.</summary>
public static class KinesisAffiliateSdkBuilderExtensions
{
    /// <summary>
    /// Makes Kinesis the stream: capture publishes to <see cref="KinesisOptions.StreamName"/> (batched, KPL-aggregated)
    /// behind the local-log outage spool, and the stream-to-lake source reads it with shard leases and checkpoints. Options bind from
    /// <c>AffiliateSdk:Kinesis</c> and are validated at start. Register an <see cref="IKinesisClient"/>,
    /// <see cref="IKinesisCheckpointStore"/> or <see cref="AWSCredentials"/> first to replace the defaults.
    /// </summary>
    /// <param name="builder">The SDK builder.</param>
    /// <param name="configure">Changes options after configuration binding.</param>
    /// <returns>The builder.</returns>
    public static AffiliateSdkBuilder AddKinesis(this AffiliateSdkBuilder builder, Action<KinesisOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<KinesisOptions>();
        if (!services.Any(d => d.ServiceType == typeof(IValidateOptions<KinesisOptions>)))
        {
            options.BindSectionIfPresent(KinesisOptions.SectionName);
            options.ValidateOnStart();
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KinesisOptions>, KinesisOptionsValidator>());
        services.AddMetrics();
        services.TryAddSingleton<KinesisMetrics>();
        services.TryAddSingleton<IKinesisClient>(sp => new KinesisHttpClient(
            Options(sp), sp.GetService<AWSCredentials>(), sp.GetService<TimeProvider>()));
        services.TryAddSingleton<IKinesisCheckpointStore>(sp => new FileKinesisCheckpointStore(ResolveDirectory(sp, Options(sp).CheckpointDirectory)));
        services.TryAddSingleton(sp => new KinesisEventPublisher(
            sp.GetRequiredService<IKinesisClient>(), Options(sp), CreateLogger(sp), sp.GetService<KinesisMetrics>(), sp.GetService<TimeProvider>()));

        // The local log fronts the stream as its outage spool: events go there while Kinesis fails, drained in order.
        builder.AddSpooledPublisher(sp => sp.GetRequiredService<KinesisEventPublisher>());
        services.Replace(ServiceDescriptor.Singleton<IEventSource>(sp => new KinesisEventSource(
            sp.GetRequiredService<IKinesisClient>(),
            sp.GetRequiredService<IKinesisCheckpointStore>(),
            Options(sp),
            CreateLogger(sp),
            sp.GetService<KinesisMetrics>(),
            sp.GetService<TimeProvider>())));
        return builder;
    }

    private static KinesisOptions Options(IServiceProvider services) => services.GetRequiredService<IOptions<KinesisOptions>>().Value;

    private static ILogger? CreateLogger(IServiceProvider services) =>
        services.GetService<ILoggerFactory>()?.CreateLogger("Affiliate.Sdk.Kinesis");

    /// <summary>Relative directories resolve against the host's content root when there is a host, else the working directory.</summary>
    private static string ResolveDirectory(IServiceProvider services, string directory) =>
        Path.IsPathRooted(directory) || services.GetService<IHostEnvironment>() is not { ContentRootPath: { Length: > 0 } root }
            ? Path.GetFullPath(directory)
            : Path.GetFullPath(Path.Combine(root, directory));
}
