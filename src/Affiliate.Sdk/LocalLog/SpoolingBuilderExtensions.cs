using Affiliate.Sdk.Diagnostics;
using Affiliate.Sdk.LocalLog;
using Affiliate.Sdk.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.DependencyInjection;

/// <summary>Lets stream adapters (Kafka, Kinesis) put the local outage spool in front of their publisher.</summary>
public static class SpoolingBuilderExtensions
{
    /// <summary>The spool's directory under <see cref="LocalLogOptions.Directory"/>.</summary>
    public const string SpoolDirectoryName = "spool";

    /// <summary>
    /// Makes the publisher from <paramref name="factory"/> the SDK's <see cref="IEventPublisher"/>, fronted by a
    /// <see cref="SpoolingEventPublisher"/> whose spool lives in <c>{AffiliateSdk:LocalLog:Directory}/spool</c>.
    /// </summary>
    /// <param name="builder">The SDK builder.</param>
    /// <param name="factory">Creates the stream publisher; the spooling publisher owns and disposes it.</param>
    /// <returns>The builder.</returns>
    public static AffiliateSdkBuilder AddSpooledPublisher(this AffiliateSdkBuilder builder, Func<IServiceProvider, IEventPublisher> factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(factory);
        builder.Services.RemoveAll<SpoolingEventPublisher>();
        builder.Services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<LocalLogOptions>>().Value;
            var directory = Path.Combine(LocalLogRegistration.ResolveDirectory(sp, options.Directory), SpoolDirectoryName);
            var logger = LocalLogRegistration.CreateLogger(sp);
            var metrics = sp.GetService<AffiliateSdkMetrics>();
            var time = sp.GetService<TimeProvider>();
            var spool = DurableLog.Open(
                DurableLogSettings.FromOptions(options, directory, name: "spool", consumers: [SpoolingEventPublisher.DrainConsumer]),
                logger,
                metrics,
                time);
            try
            {
                return new SpoolingEventPublisher(factory(sp), spool, logger, metrics, time);
            }
            catch
            {
                spool.Dispose();
                throw;
            }
        });
        builder.Services.RemoveAll<IEventPublisher>();
        builder.Services.AddSingleton<IEventPublisher>(sp => sp.GetRequiredService<SpoolingEventPublisher>());
        return builder;
    }
}
