using Affiliate.Sdk.Capture;
using Affiliate.Sdk.ClickIds;
using Affiliate.Sdk.Diagnostics;
using Affiliate.Sdk.LocalLog;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.DependencyInjection;

/// <summary>Registers Affiliate.Sdk in a service collection.</summary>
public static class AffiliateSdkServiceCollectionExtensions
{
    /// <summary>
    /// Adds the SDK with embedded defaults (local durable log as the stream, configuration-backed offer catalog),
    /// binding settings from the <c>AffiliateSdk</c> configuration section when an <see cref="IConfiguration"/> is registered.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Changes options after configuration binding.</param>
    /// <returns>A builder that adapter packages extend.</returns>
    public static AffiliateSdkBuilder AddAffiliateSdk(this IServiceCollection services, Action<AffiliateSdkOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);

        var options = services.AddOptions<AffiliateSdkOptions>().BindSectionIfPresent(AffiliateSdkOptions.SectionName);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AffiliateSdkOptions>, AffiliateSdkOptionsValidator>());

        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<AffiliateSdkMetrics>();
        services.TryAddSingleton<PipelineHealth>();
        if (!services.Any(d => d.ServiceType == typeof(AffiliateSdkHealthCheck)))
        {
            services.TryAddSingleton<AffiliateSdkHealthCheck>();
            services.AddHealthChecks().AddCheck<AffiliateSdkHealthCheck>(AffiliateSdkHealthCheck.Name);
        }

        services.TryAddSingleton(sp => CreateKeyRing(sp.GetRequiredService<IOptions<AffiliateSdkOptions>>().Value.ClickIds));
        services.TryAddSingleton<ClickIdCodec>();

        LocalLogRegistration.Register(services);
        CaptureRegistration.Register(services);
        return new AffiliateSdkBuilder(services);
    }

    internal static ClickIdKeyRing CreateKeyRing(ClickIdOptions options)
    {
        var keys = options.Keys.Select(k => new KeyValuePair<byte, byte[]>((byte)k.Id, Convert.FromBase64String(k.Secret)));
        return new ClickIdKeyRing(keys, (byte)options.ActiveKeyId);
    }
}
