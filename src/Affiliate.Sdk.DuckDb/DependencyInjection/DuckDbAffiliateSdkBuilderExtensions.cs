using Affiliate.Sdk.DuckDb;
using Affiliate.Sdk.Medallion;
using Affiliate.Sdk.Offers;
using Affiliate.Sdk.Pipeline;
using Affiliate.Sdk.Reports;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.DependencyInjection;

/// <summary>Registers the DuckDB medallion engine, its report client and the medallion worker.</summary>
public static class DuckDbAffiliateSdkBuilderExtensions
{
    /// <summary>The configuration section of <see cref="MedallionOptions"/>.</summary>
    public const string MedallionSectionName = "AffiliateSdk:Medallion";

    /// <summary>
    /// Adds the DuckDB medallion engine (<see cref="IMedallionEngine"/>), the report client (<see cref="IReportClient"/>) and the
    /// worker that runs the engine every <see cref="DuckDbMedallionOptions.Interval"/>. Settings bind from
    /// <c>AffiliateSdk:DuckDb</c> and <c>AffiliateSdk:Medallion</c> and are validated at start.
    /// </summary>
    /// <param name="builder">The SDK builder.</param>
    /// <param name="configure">Changes options after configuration binding.</param>
    /// <returns>The builder.</returns>
    public static AffiliateSdkBuilder AddDuckDbMedallion(this AffiliateSdkBuilder builder, Action<DuckDbMedallionOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;

        var options = services.AddOptions<DuckDbMedallionOptions>().BindSectionIfPresent(DuckDbMedallionOptions.SectionName);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DuckDbMedallionOptions>, DuckDbMedallionOptionsValidator>());

        services.AddOptions<MedallionOptions>().BindSectionIfPresent(MedallionSectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MedallionOptions>, MedallionOptionsValidator>());

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new DuckDbMedallionEngine(
            sp.GetRequiredService<IOptions<DuckDbMedallionOptions>>(),
            sp.GetRequiredService<IOptions<MedallionOptions>>(),
            sp.GetRequiredService<IOfferCatalog>(),
            sp.GetService<ILogger<DuckDbMedallionEngine>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<IBlobStore>()));
        services.TryAddSingleton<IMedallionEngine>(sp => sp.GetRequiredService<DuckDbMedallionEngine>());
        services.TryAddSingleton(sp => new DuckDbReportClient(sp.GetRequiredService<IOptions<DuckDbMedallionOptions>>()));
        services.TryAddSingleton<IReportClient>(sp => sp.GetRequiredService<DuckDbReportClient>());

        services.AddOptions<MedallionWorkerOptions>()
            .Configure<IOptions<DuckDbMedallionOptions>>((worker, duckDb) => worker.Interval = duckDb.Value.Interval);
        return builder.AddMedallionWorker();
    }
}
