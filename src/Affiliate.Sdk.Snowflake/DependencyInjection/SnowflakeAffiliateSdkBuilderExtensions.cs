using System.Diagnostics.Metrics;
using System.Net;
using Affiliate.Sdk.Reports;
using Affiliate.Sdk.Snowflake;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.DependencyInjection;

/// <summary>Registers the Snowflake SQL API client and the report client on Snowflake.</summary>
public static class SnowflakeAffiliateSdkBuilderExtensions
{
    /// <summary>
    /// Adds <see cref="ISnowflakeSqlClient"/> (<see cref="SnowflakeSqlApiClient"/>, unless one is registered already) and
    /// <see cref="SnowflakeReportClient"/> as the <see cref="IReportClient"/> (unless another report client is registered first).
    /// Settings bind from <c>AffiliateSdk:Snowflake</c> and are validated at start.
    /// </summary>
    /// <param name="builder">The SDK builder.</param>
    /// <param name="configure">Changes options after configuration binding.</param>
    /// <returns>The builder.</returns>
    public static AffiliateSdkBuilder AddSnowflake(this AffiliateSdkBuilder builder, Action<SnowflakeOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<SnowflakeOptions>().BindSectionIfPresent(SnowflakeOptions.SectionName);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SnowflakeOptions>, SnowflakeOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ISnowflakeSqlClient>(sp => new SnowflakeSqlApiClient(
            CreateHttpClient(),
            ownsHttpClient: true,
            sp.GetRequiredService<IOptions<SnowflakeOptions>>(),
            sp.GetService<ILogger<SnowflakeSqlApiClient>>(),
            sp.GetService<IMeterFactory>(),
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new SnowflakeReportClient(
            sp.GetRequiredService<ISnowflakeSqlClient>(),
            sp.GetRequiredService<IOptionsMonitor<SnowflakeOptions>>()));
        services.TryAddSingleton<IReportClient>(sp => sp.GetRequiredService<SnowflakeReportClient>());
        return builder;
    }

    /// <summary>One pooled client for the process; connections are recycled so DNS changes are seen.</summary>
    private static HttpClient CreateHttpClient() => new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate,
    })
    {
        // Each request has its own deadline (SnowflakeOptions.RequestTimeout).
        Timeout = Timeout.InfiniteTimeSpan,
    };
}
