using Affiliate.Sdk.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.Lake.Parquet;

/// <summary>
/// Runs <see cref="LakeCompactor.CompactAsync"/> every <see cref="ParquetLakeOptions.CompactionInterval"/>, so that the
/// small files a frequently flushing stream-to-lake worker commits are merged into scan-sized ones. A failed pass is
/// logged and retried at the next interval; compaction never loses a row (merge first, then delete).
/// </summary>
internal sealed partial class LakeCompactionWorker(
    LakeCompactor compactor,
    IOptions<ParquetLakeOptions> options,
    TimeProvider time,
    ILogger<LakeCompactionWorker> logger,
    PipelineHealth? health = null) : BackgroundService
{
    private const string HealthComponent = "lake_compaction";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.CompactionInterval;
        if (interval <= TimeSpan.Zero)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, time, stoppingToken).ConfigureAwait(false);
                var result = await compactor.CompactAsync(stoppingToken).ConfigureAwait(false);
                if (result.FilesMerged > 0)
                {
                    LogCompacted(logger, result.FilesMerged, result.FilesWritten, result.Rows);
                }

                health?.Report(HealthComponent, HealthStatus.Healthy, $"last pass merged {result.FilesMerged} files into {result.FilesWritten}");
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                LogFailed(logger, ex, interval.TotalSeconds);
                health?.Report(HealthComponent, HealthStatus.Degraded, $"compaction failed, retrying in {interval.TotalSeconds:0} s: {ex.Message}");
            }
        }
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Lake compaction merged {Merged} small files into {Written} ({Rows} rows)")]
    private static partial void LogCompacted(ILogger logger, int merged, int written, long rows);

    [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "Lake compaction failed; retrying in {DelaySeconds} s")]
    private static partial void LogFailed(ILogger logger, Exception exception, double delaySeconds);
}
