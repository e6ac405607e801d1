using Affiliate.Sdk.Kafka;
using Affiliate.Sdk.Pipeline;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.DependencyInjection;

/// <summary>Registers the Kafka stream.</summary>
public static class KafkaAffiliateSdkBuilderExtensions
{
    /// <summary>
    /// Makes Kafka the stream: capture publishes to <see cref="KafkaOptions.Topic"/> (spooling to the local log while
    /// the cluster is unreachable) and the stream-to-lake source reads it as consumer group <see cref="KafkaOptions.GroupId"/>.
    /// Options bind from <c>AffiliateSdk:Kafka</c> and are validated at start.
    /// </summary>
    /// <param name="builder">The SDK builder.</param>
    /// <param name="configure">Changes options after configuration binding.</param>
    /// <returns>The builder.</returns>
    public static AffiliateSdkBuilder AddKafka(this AffiliateSdkBuilder builder, Action<KafkaOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<KafkaOptions>();
        if (!services.Any(d => d.ServiceType == typeof(IValidateOptions<KafkaOptions>)))
        {
            options.BindSectionIfPresent(KafkaOptions.SectionName);
            options.ValidateOnStart();
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KafkaOptions>, KafkaOptionsValidator>());
        services.AddMetrics();
        services.TryAddSingleton<KafkaMetrics>();

        // The local log stays registered: its spool fronts the cluster, so an outage or a failed delivery never loses
        // an acknowledged event; the spool drains in order once the brokers answer again.
        builder.AddSpooledPublisher(sp => new KafkaEventPublisher(
            sp.GetRequiredService<IOptions<KafkaOptions>>().Value,
            CreateLogger(sp),
            sp.GetService<KafkaMetrics>()));
        services.Replace(ServiceDescriptor.Singleton<IEventSource>(sp => new KafkaEventSource(
            sp.GetRequiredService<IOptions<KafkaOptions>>().Value,
            CreateLogger(sp),
            sp.GetService<KafkaMetrics>())));
        return builder;
    }

    private static ILogger? CreateLogger(IServiceProvider services) =>
        services.GetService<ILoggerFactory>()?.CreateLogger("Affiliate.Sdk.Kafka");
}
