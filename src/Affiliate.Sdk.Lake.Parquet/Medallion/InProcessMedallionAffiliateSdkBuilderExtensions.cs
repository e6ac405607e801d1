using Affiliate.Sdk.Lake.Parquet;
using Affiliate.Sdk.Lake.Parquet.Medallion;
using Affiliate.Sdk.Medallion;
using Affiliate.Sdk.Offers;
using Affiliate.Sdk.Pipeline;
using Affiliate.Sdk.Reports;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.DependencyInjection;

/// <summary>Registers the in-process medallion engine.</summary>
public static class InProcessMedallionAffiliateSdkBuilderExtensions
{
    /// <summary>The configuration section of <see cref="MedallionOptions"/>.</summary>
    private const string MedallionSection = "AffiliateSdk:Medallion";

    /// <summary>
    /// Registers <see cref="InProcessMedallionEngine"/> as the <see cref="IMedallionEngine"/> and <see cref="ParquetReportClient"/> as the
    /// <see cref="IReportClient"/> (unless already registered), with the engine's options bound from
    /// <c>AffiliateSdk:InProcessMedallion</c> and the model's from <c>AffiliateSdk:Medallion</c>, validated at start.
    /// Needs an <see cref="IBlobStore"/> (the lake) and an <see cref="IOfferCatalog"/> in the container.
    /// </summary>
    /// <param name="builder">The SDK builder.</param>
    /// <param name="configure">Changes the engine's options after configuration binding.</param>
    /// <returns>The builder.</returns>
    public static AffiliateSdkBuilder AddInProcessMedallion(this AffiliateSdkBuilder builder, Action<InProcessMedallionOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;

        var options = services.AddOptions<InProcessMedallionOptions>();
        BindSectionIfPresent(services, Options.DefaultName, InProcessMedallionOptions.SectionName, (IConfiguration c, InProcessMedallionOptions o) => c.Bind(o));
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<InProcessMedallionOptions>, InProcessMedallionOptionsValidator>());

        // Another engine's registration may bind the same section: bind it once.
        if (!services.Any(d => d.ServiceType == typeof(IConfigureOptions<MedallionOptions>)))
        {
            services.AddOptions<MedallionOptions>();
            BindSectionIfPresent(services, Options.DefaultName, MedallionSection, static (IConfiguration c, MedallionOptions o) => c.Bind(o));
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IMedallionEngine>(sp => new InProcessMedallionEngine(
            sp.GetRequiredService<IBlobStore>(),
            sp.GetRequiredService<IOfferCatalog>(),
            sp.GetRequiredService<IOptions<MedallionOptions>>().Value,
            sp.GetRequiredService<IOptions<InProcessMedallionOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<InProcessMedallionEngine>>()));

        // Reports straight from the gold Parquet, so a host on this engine needs no database. A report client registered
        // before (another engine's) is kept.
        services.TryAddSingleton<IReportClient>(sp => new ParquetReportClient(
            sp.GetRequiredService<IBlobStore>(),
            sp.GetRequiredService<IOptions<InProcessMedallionOptions>>().Value));
        return builder;
    }

    /// <summary>
    /// Binds a section when the container has an <see cref="IConfiguration"/>, as the runtime package's registrations do
    /// (its helper is internal to that assembly).
    /// </summary>
    private static void BindSectionIfPresent<T>(IServiceCollection services, string name, string sectionPath, Action<IConfiguration, T> bind)
        where T : class
    {
        services.AddSingleton<IConfigureOptions<T>>(sp => new ConfigureNamedOptions<T>(name, options =>
        {
            if (sp.GetService<IConfiguration>() is { } configuration)
            {
                bind(configuration.GetSection(sectionPath), options);
            }
        }));
        services.AddSingleton<IOptionsChangeTokenSource<T>>(sp =>
            sp.GetService<IConfiguration>() is { } configuration
                ? new ConfigurationChangeTokenSource<T>(name, configuration.GetSection(sectionPath))
                : new ConfigurationChangeTokenSource<T>(name, new ConfigurationBuilder().Build()));
    }
}
