using Affiliate.Sdk.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.DependencyInjection;

/// <summary>Registers the stream-to-lake worker.</summary>
public static class StreamToLakeAffiliateSdkBuilderExtensions
{
    /// <summary>
    /// Adds the hosted worker that moves records from the registered <see cref="IEventSource"/> into the registered
    /// <see cref="ILakeWriter"/> (at-least-once: checkpoints are committed only after the lake commit). Lake packages
    /// call this for you; options bind from <c>AffiliateSdk:Pipeline:StreamToLake</c>.
    /// </summary>
    /// <param name="builder">The SDK builder.</param>
    /// <param name="configure">Changes options after configuration binding.</param>
    /// <returns>The builder.</returns>
    public static AffiliateSdkBuilder AddStreamToLake(this AffiliateSdkBuilder builder, Action<StreamToLakeOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<StreamToLakeOptions>();
        if (!builder.Services.Any(d => d.ServiceType == typeof(IValidateOptions<StreamToLakeOptions>)))
        {
            options.BindSectionIfPresent(StreamToLakeOptions.SectionName).ValidateOnStart();
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StreamToLakeOptions>, StreamToLakeOptionsValidator>());
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddHostedService<StreamToLakeWorker>();
        return builder;
    }
}
