using System.Diagnostics;
using System.Diagnostics.Metrics;
using Affiliate.Sdk.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.Pipeline;

/// <summary>
/// Runs the registered <see cref="IMedallionEngine"/> every <see cref="MedallionWorkerOptions.Interval"/>. A failed run is
/// logged and retried with exponential back-off; the worker keeps running. Emits run counts, durations and the freshness lag.
/// </summary>
public sealed partial class MedallionWorker : BackgroundService
{
    private readonly IMedallionEngine _engine;
    private readonly MedallionWorkerOptions _options;
    private readonly ILogger _logger;
    private const string HealthComponent = "medallion";

    private readonly TimeProvider _time;
    private readonly PipelineHealth? _health;
    private readonly Counter<long> _runs;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _files;
    private long _freshnessTicks = -1;

    /// <summary>Creates the worker.</summary>
    /// <param name="engine">The engine to run.</param>
    /// <param name="options">Interval and back-off.</param>
    /// <param name="logger">Logger.</param>
    /// <param name="meterFactory">Creates the <c>Affiliate.Sdk</c> meter.</param>
    /// <param name="timeProvider">Clock for delays and the freshness lag.</param>
    /// <param name="health">Where the worker reports its state for the health endpoint, if any.</param>
    public MedallionWorker(
        IMedallionEngine engine,
        IOptions<MedallionWorkerOptions> options,
        ILogger<MedallionWorker> logger,
        IMeterFactory meterFactory,
        TimeProvider timeProvider,
        PipelineHealth? health = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _engine = engine;
        _options = options.Value;
        _logger = logger;
        _time = timeProvider;
        _health = health;
        var meter = meterFactory.Create(AffiliateSdkTelemetry.Name);
        _runs = meter.CreateCounter<long>("affiliate.sdk.medallion.runs", "{run}", "Medallion runs, by outcome (success, failure).");
        _duration = meter.CreateHistogram<double>("affiliate.sdk.medallion.duration", "s", "Duration of medallion runs.");
        _files = meter.CreateCounter<long>("affiliate.sdk.medallion.files", "{file}", "Bronze files merged into silver and gold.");
        meter.CreateObservableGauge(
            "affiliate.sdk.medallion.freshness_lag",
            ObserveLag,
            "s",
            "Seconds between now and the newest event included in gold.");
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            var delay = _options.Interval;
            var started = Stopwatch.GetTimestamp();
            try
            {
                var result = await _engine.RunAsync(stoppingToken).ConfigureAwait(false);
                failures = 0;
                _runs.Add(1, new KeyValuePair<string, object?>("outcome", "success"));
                _files.Add(result.BronzeFilesProcessed);
                if (result.Freshness is { } freshness)
                {
                    Interlocked.Exchange(ref _freshnessTicks, freshness.UtcTicks);
                }

                _health?.Report(
                    HealthComponent,
                    HealthStatus.Healthy,
                    result.Freshness is { } newest ? $"gold includes events up to {newest:O}" : "no events in gold yet");
                if (result.BronzeFilesProcessed > 0)
                {
                    LogRun(_logger, result.BronzeFilesProcessed, result.GoldPartitionsWritten, result.Elapsed.TotalMilliseconds);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // The pipeline keeps running: the next run retries the same files (nothing was committed).
                failures++;
                _runs.Add(1, new KeyValuePair<string, object?>("outcome", "failure"));
                delay = Backoff(_options.Interval, _options.MaxBackoff, failures);
                LogRunFailed(_logger, ex, failures, delay.TotalSeconds);
                _health?.Report(
                    HealthComponent,
                    failures >= 3 ? HealthStatus.Unhealthy : HealthStatus.Degraded,
                    $"{failures} failed run(s) in a row, retrying in {delay.TotalSeconds:0.#} s: {ex.Message}");
            }
            finally
            {
                _duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
            }

            try
            {
                await Task.Delay(delay, _time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>The wait after <paramref name="failures"/> consecutive failures: the interval doubled each time, capped.</summary>
    internal static TimeSpan Backoff(TimeSpan interval, TimeSpan max, int failures)
    {
        var factor = Math.Pow(2, Math.Min(failures, 20));
        var ticks = Math.Min(interval.Ticks * factor, max.Ticks);
        return TimeSpan.FromTicks((long)Math.Max(ticks, interval.Ticks));
    }

    private IEnumerable<Measurement<double>> ObserveLag()
    {
        var ticks = Interlocked.Read(ref _freshnessTicks);
        if (ticks < 0)
        {
            yield break;
        }

        yield return new Measurement<double>((_time.GetUtcNow().UtcTicks - ticks) / (double)TimeSpan.TicksPerSecond);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Medallion run merged {Files} bronze files and rewrote {Partitions} gold partitions in {ElapsedMs:F0} ms")]
    private static partial void LogRun(ILogger logger, int files, int partitions, double elapsedMs);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "Medallion run failed ({Failures} in a row); retrying in {DelaySeconds:F1} s")]
    private static partial void LogRunFailed(ILogger logger, Exception exception, int failures, double delaySeconds);
}
