using Affiliate.Sdk.DependencyInjection;
using Affiliate.Sdk.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Affiliate.Sdk.Tests.Diagnostics;

public sealed class PipelineHealthTests
{
    private static ServiceProvider Build()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddAffiliateSdk();
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task The_sdk_check_is_registered_and_healthy_when_nothing_reported_a_problem()
    {
        await using var sp = Build();

        var report = await sp.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        Assert.Equal(HealthStatus.Healthy, report.Entries[AffiliateSdkHealthCheck.Name].Status);
    }

    [Fact]
    public async Task The_worst_component_state_wins_and_names_the_component()
    {
        await using var sp = Build();
        var health = sp.GetRequiredService<PipelineHealth>();
        health.Report("stream_to_lake", HealthStatus.Healthy, "landed 10 events");
        health.Report("medallion", HealthStatus.Degraded, "run failed: disk full");

        var entry = (await sp.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Entries[AffiliateSdkHealthCheck.Name];

        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Contains("medallion: run failed: disk full", entry.Description, StringComparison.Ordinal);
        Assert.Equal(["medallion", "stream_to_lake"], entry.Data.Keys.Order(StringComparer.Ordinal));

        health.Report("medallion", HealthStatus.Healthy, "merged 1 file");
        Assert.Equal(HealthStatus.Healthy, (await sp.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Entries[AffiliateSdkHealthCheck.Name].Status);
    }

    [Fact]
    public async Task Registering_the_sdk_twice_keeps_one_check()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddAffiliateSdk();
        services.AddAffiliateSdk();
        await using var sp = services.BuildServiceProvider();

        var report = await sp.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        Assert.Single(report.Entries);
    }
}
