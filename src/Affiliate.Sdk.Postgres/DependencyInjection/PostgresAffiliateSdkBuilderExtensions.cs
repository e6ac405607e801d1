using Affiliate.Sdk.Diagnostics;
using Affiliate.Sdk.Lake.Parquet.Medallion;
using Affiliate.Sdk.Pipeline;
using Affiliate.Sdk.Postgres;
using Affiliate.Sdk.Postgres.Internal;
using Affiliate.Sdk.Reports;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Affiliate.Sdk.DependencyInjection;

/// <summary>Registers the PostgreSQL report store: the gold loader, its worker and the report client.</summary>
public static class PostgresAffiliateSdkBuilderExtensions
{
    /// <summary>
    /// Adds <see cref="PostgresGoldLoader"/>, a hosted worker that loads changed gold partitions from the lake (when
    /// <see cref="PostgresReportsOptions.LoadGold"/>), and <see cref="PostgresReportClient"/> as the <see cref="IReportClient"/>
    /// (replacing any other). Settings bind from <c>AffiliateSdk:Postgres</c> and are validated at start.
    /// </summary>
    /// <param name="builder">The SDK builder.</param>
    /// <param name="configure">Changes options after configuration binding.</param>
    /// <returns>The builder.</returns>
    public static AffiliateSdkBuilder AddPostgresReports(this AffiliateSdkBuilder builder, Action<PostgresReportsOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<PostgresReportsOptions>().BindSectionIfPresent(PostgresReportsOptions.SectionName);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PostgresReportsOptions>, PostgresReportsOptionsValidator>());

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddKeyedSingleton(PostgresTelemetry.Name, (sp, _) =>
        {
            var builder = new NpgsqlDataSourceBuilder(sp.GetRequiredService<IOptions<PostgresReportsOptions>>().Value.ConnectionString);
            builder.UseLoggerFactory(sp.GetService<ILoggerFactory>());
            return builder.Build();
        });
        services.TryAddSingleton(sp => new PostgresReportClient(
            sp.GetRequiredKeyedService<NpgsqlDataSource>(PostgresTelemetry.Name),
            sp.GetRequiredService<IOptions<PostgresReportsOptions>>(),
            sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.RemoveAll<IReportClient>();
        services.AddSingleton<IReportClient>(sp => sp.GetRequiredService<PostgresReportClient>());
        services.TryAddSingleton(sp => new PostgresGoldLoader(
            sp.GetRequiredKeyedService<NpgsqlDataSource>(PostgresTelemetry.Name),
            sp.GetRequiredService<IBlobStore>(),
            sp.GetRequiredService<IOptions<PostgresReportsOptions>>(),
            sp.GetService<IOptions<InProcessMedallionOptions>>(),
            sp.GetService<ILogger<PostgresGoldLoader>>(),
            sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<IOptions<PostgresReportsOptions>>().Value.LoadGold
            ? new PostgresGoldLoadWorker(
                sp.GetRequiredService<PostgresGoldLoader>(),
                sp.GetRequiredService<IOptions<PostgresReportsOptions>>(),
                sp.GetRequiredService<ILogger<PostgresGoldLoadWorker>>(),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetService<PipelineHealth>())
            : new IdleService());
        return builder;
    }

    /// <summary>Stands in for the worker when loading is off, so the registration stays one line.</summary>
    private sealed class IdleService : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
