using Affiliate.Sdk.DependencyInjection;
using Affiliate.Sdk.Diagnostics;
using Affiliate.Sdk.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.LocalLog;

/// <summary>Registers the durable local log (the default stream).</summary>
internal static class LocalLogRegistration
{
    public static void Register(IServiceCollection services)
    {
        services.AddOptions<LocalLogOptions>().BindSectionIfPresent(LocalLogOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LocalLogOptions>, LocalLogOptionsValidator>());

        // One log per container, opened (and recovered) when first needed and closed with the container.
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<LocalLogOptions>>().Value;
            return DurableLog.Open(
                DurableLogSettings.FromOptions(options, ResolveDirectory(sp, options.Directory)),
                CreateLogger(sp),
                sp.GetService<AffiliateSdkMetrics>(),
                sp.GetService<TimeProvider>());
        });
        services.TryAddSingleton<IEventPublisher>(sp => new LocalLogEventPublisher(sp.GetRequiredService<DurableLog>(), sp.GetService<AffiliateSdkMetrics>()));
        services.TryAddSingleton<IEventSource>(sp => new LocalLogEventSource(sp.GetRequiredService<DurableLog>(), LocalLogOptions.DefaultConsumer, sp.GetService<TimeProvider>()));
    }

    internal static ILogger CreateLogger(IServiceProvider services) =>
        services.GetService<ILoggerFactory>()?.CreateLogger("Affiliate.Sdk.LocalLog") ?? NullLogger.Instance;

    /// <summary>Relative directories resolve against the host's content root when there is a host, else the working directory.</summary>
    internal static string ResolveDirectory(IServiceProvider services, string directory) =>
        Path.IsPathRooted(directory) || services.GetService<IHostEnvironment>() is not { ContentRootPath: { Length: > 0 } root }
            ? Path.GetFullPath(directory)
            : Path.GetFullPath(Path.Combine(root, directory));
}
