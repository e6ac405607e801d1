using Affiliate.Sdk.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.Postgres.Internal;

/// <summary>
/// Migrates the schema at start, then loads changed gold partitions every <see cref="PostgresReportsOptions.LoadInterval"/>.
/// A failed load is logged and retried with exponential back-off; the worker keeps running.
/// </summary>
internal sealed partial class PostgresGoldLoadWorker(
    PostgresGoldLoader loader,
    IOptions<PostgresReportsOptions> options,
    ILogger<PostgresGoldLoadWorker> logger,
    TimeProvider time,
    PipelineHealth? health = null) : BackgroundService
{
    private const string HealthComponent = "postgres_reports";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        var interval = options.Value.LoadInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            var delay = interval;
            try
            {
                var result = await loader.LoadChangedAsync(stoppingToken).ConfigureAwait(false);
                failures = 0;
                health?.Report(HealthComponent, HealthStatus.Healthy, result.Deferred ? "waiting for the medallion run to finish" : "gold loaded");
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                failures++;
                var factor = Math.Pow(2, Math.Min(failures, 20));
                delay = TimeSpan.FromTicks((long)Math.Min(interval.Ticks * factor, options.Value.MaxBackoff.Ticks));
                LogLoadFailed(logger, ex, failures, delay.TotalSeconds);
                health?.Report(
                    HealthComponent,
                    failures >= 3 ? HealthStatus.Unhealthy : HealthStatus.Degraded,
                    $"{failures} failed gold load(s) in a row, retrying in {delay.TotalSeconds:0.#} s: {ex.GetType().Name}");
            }

            try
            {
                await Task.Delay(delay, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Error, Message = "Gold load into PostgreSQL failed ({Failures} in a row); retrying in {DelaySeconds:F1} s")]
    private static partial void LogLoadFailed(ILogger logger, Exception exception, int failures, double delaySeconds);
}
