using System.Diagnostics;
using System.Diagnostics.Metrics;
using Affiliate.Sdk.Diagnostics;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.Pipeline;

/// <summary>
/// Moves records from the stream into bronze: reads a batch, turns each payload into a bronze row or a reject (with its
/// reason; never dropped), appends it to the lake writer, flushes when the writer's files are due (or the stream is idle,
/// or <see cref="StreamToLakeOptions.FlushInterval"/> passed) and only then commits the source checkpoint covering exactly
/// the flushed records. Delivery is at-least-once: a crash replays from the last checkpoint. Faults are logged and
/// retried with back-off; no record is ever skipped. On stop it flushes and commits within the host's shutdown timeout.
/// </summary>
public sealed partial class StreamToLakeWorker : BackgroundService
{
    private readonly IEventSource _source;
    private readonly ILakeWriter _writer;
    private readonly StreamToLakeOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Counter<long> _landed;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _faults;
    private readonly Histogram<double> _flushDuration;
    private readonly KeyValuePair<string, object?> _sourceTag;
    private readonly PipelineHealth? _health;
    private CancellationToken _stopToken;

    /// <summary>Creates the worker (normally done by dependency injection).</summary>
    /// <param name="source">The stream to read.</param>
    /// <param name="writer">The lake to write.</param>
    /// <param name="options">Batch, wait, flush and retry settings.</param>
    /// <param name="meterFactory">Creates the <c>Affiliate.Sdk</c> meter's instruments.</param>
    /// <param name="logger">Logs faults and flushes.</param>
    /// <param name="timeProvider">The clock; the system clock when <see langword="null"/>.</param>
    /// <param name="health">Where the worker reports its state for the health endpoint, if any.</param>
    public StreamToLakeWorker(
        IEventSource source,
        ILakeWriter writer,
        IOptions<StreamToLakeOptions> options,
        IMeterFactory meterFactory,
        ILogger<StreamToLakeWorker> logger,
        TimeProvider? timeProvider = null,
        PipelineHealth? health = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(logger);
        _source = source;
        _writer = writer;
        _options = options.Value;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger;
        _health = health;
        _sourceTag = new KeyValuePair<string, object?>("source", source.Name);
        var meter = meterFactory.Create(AffiliateSdkTelemetry.Name);
        _landed = meter.CreateCounter<long>("affiliate.sdk.lake.events.landed", "{event}", "Events committed to bronze by the stream-to-lake worker.");
        _rejected = meter.CreateCounter<long>("affiliate.sdk.lake.rejects.landed", "{record}", "Malformed records committed to bronze rejects.");
        _faults = meter.CreateCounter<long>("affiliate.sdk.lake.worker.faults", "{fault}", "Faults of the stream-to-lake worker (retried), by operation.");
        _flushDuration = meter.CreateHistogram<double>("affiliate.sdk.lake.flush.duration", "s", "Duration of lake flushes followed by the checkpoint commit.");
    }

    private const string HealthComponent = "stream_to_lake";

    /// <summary>Stops the worker: it flushes and commits what it read, bounded by <paramref name="cancellationToken"/>.</summary>
    /// <param name="cancellationToken">The host's shutdown timeout; when it fires, unflushed records are replayed on restart.</param>
    /// <returns>Completes when the worker stopped or the token fired.</returns>
    public override Task StopAsync(CancellationToken cancellationToken)
    {
        _stopToken = cancellationToken;
        return base.StopAsync(cancellationToken);
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Leave the host's start-up path before the first (possibly blocking) read.
        await Task.Yield();
        LogStarted(_logger, _source.Name);
        _health?.Report(HealthComponent, HealthStatus.Healthy, $"reading {_source.Name}");
        var pending = new Pending();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var batch = await RetryAsync(ct => _source.ReadAsync(_options.BatchSize, _options.MaxWait, ct), "read", stoppingToken).ConfigureAwait(false);
                var now = _time.GetUtcNow();
                if (batch.Records.Count > 0)
                {
                    var (records, rejects) = Convert(batch.Records, now);
                    await RetryAsync(async ct => { await _writer.AppendAsync(records, rejects, ct).ConfigureAwait(false); return true; }, "append", stoppingToken).ConfigureAwait(false);
                    pending.Add(batch.Checkpoint, records.Count, rejects.Count, now);
                }

                if (pending.Any && (_writer.FlushDue
                    || (batch.Records.Count == 0 && _options.FlushWhenIdle)
                    || now - pending.Since >= _options.FlushInterval))
                {
                    await FlushAndCommitAsync(pending, stoppingToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: fall through to the final flush.
        }
        catch (ObjectDisposedException ex)
        {
            // The host disposed the source or the lake without stopping the worker first: nothing can be
            // flushed any more; what was read after the last checkpoint is read again on the next start.
            LogDisposedUnderWorker(_logger, _source.Name, ex.ObjectName, pending.Records + pending.Rejects);
            _health?.Report(HealthComponent, HealthStatus.Unhealthy, $"stopped: {ex.ObjectName} was disposed while the worker ran");
            return;
        }

        if (pending.Any)
        {
            try
            {
                await FlushAndCommitAsync(pending, _stopToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stopToken.IsCancellationRequested)
            {
                LogStoppedBeforeFlush(_logger, _source.Name, pending.Records + pending.Rejects);
                return;
            }
            catch (ObjectDisposedException ex)
            {
                LogDisposedUnderWorker(_logger, _source.Name, ex.ObjectName, pending.Records + pending.Rejects);
                return;
            }
        }

        LogStopped(_logger, _source.Name);
    }

    private (List<BronzeRecord> Records, List<RejectedRecord> Rejects) Convert(IReadOnlyList<SourceRecord> batch, DateTimeOffset now)
    {
        var records = new List<BronzeRecord>(batch.Count);
        var rejects = new List<RejectedRecord>();
        foreach (var record in batch)
        {
            var ingestion = new IngestionInfo(_source.Name, record.Partition, record.Position, now);
            if (!TrackingEventSerializer.TryDeserialize(record.Payload.Span, out var trackingEvent, out var error))
            {
                // Copied: a source may reuse its read buffer once the next batch is read.
                rejects.Add(new RejectedRecord(record.Payload.ToArray(), error, ingestion));
                continue;
            }

            var problems = TrackingEventValidator.Validate(trackingEvent, now);
            if (problems.Count > 0)
            {
                rejects.Add(new RejectedRecord(record.Payload.ToArray(), string.Join("; ", problems), ingestion));
                continue;
            }

            records.Add(new BronzeRecord(trackingEvent, ingestion));
        }

        return (records, rejects);
    }

    private async Task FlushAndCommitAsync(Pending pending, CancellationToken cancellationToken)
    {
        using var activity = AffiliateSdkTelemetry.ActivitySource.StartActivity("lake.flush");
        activity?.SetTag("affiliate.source", _source.Name);
        activity?.SetTag("affiliate.lake.records", pending.Records + pending.Rejects);
        var started = Stopwatch.GetTimestamp();
        var commit = await RetryAsync(ct => _writer.FlushAsync(ct), "flush", cancellationToken).ConfigureAwait(false);
        var checkpoint = pending.Checkpoint();
        await RetryAsync(async ct => { await _source.CommitAsync(checkpoint, ct).ConfigureAwait(false); return true; }, "commit", cancellationToken).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(started);
        _flushDuration.Record(elapsed.TotalSeconds, _sourceTag);
        _landed.Add(pending.Records, _sourceTag);
        _rejected.Add(pending.Rejects, _sourceTag);
        activity?.SetTag("affiliate.lake.files", commit.Files.Count);
        LogFlushed(_logger, commit.Files.Count, pending.Records, pending.Rejects, elapsed.TotalMilliseconds);
        _health?.Report(HealthComponent, HealthStatus.Healthy, $"landed {pending.Records} events and {pending.Rejects} rejects from {_source.Name} and checkpointed");
        pending.Clear();
    }

    private async Task<T> RetryAsync<T>(Func<CancellationToken, ValueTask<T>> operation, string name, CancellationToken cancellationToken)
    {
        var delay = _options.RetryInitialDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await operation(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not ObjectDisposedException && !(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                _faults.Add(1, _sourceTag, new KeyValuePair<string, object?>("operation", name));
                _health?.Report(HealthComponent, HealthStatus.Degraded, $"{name} on {_source.Name} failed (attempt {attempt}), retrying: {ex.Message}");
                LogFault(_logger, ex, name, _source.Name, attempt, delay.TotalMilliseconds);
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.RetryMaxDelay.Ticks));
            }
        }
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Stream-to-lake worker started on {Source}")]
    private static partial void LogStarted(ILogger logger, string source);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Stream-to-lake worker stopped on {Source}; everything read is in the lake and checkpointed")]
    private static partial void LogStopped(ILogger logger, string source);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "Stream-to-lake worker on {Source} stopped before its final flush; {Count} records will be read again from the last checkpoint")]
    private static partial void LogStoppedBeforeFlush(ILogger logger, string source, long count);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "Stream-to-lake {Operation} failed on {Source} (attempt {Attempt}); retrying in {DelayMs} ms")]
    private static partial void LogFault(ILogger logger, Exception exception, string operation, string source, int attempt, double delayMs);

    [LoggerMessage(EventId = 104, Level = LogLevel.Debug, Message = "Lake flush committed {Files} files ({Rows} events, {Rejects} rejects) in {ElapsedMs} ms and checkpointed")]
    private static partial void LogFlushed(ILogger logger, int files, long rows, long rejects, double elapsedMs);

    [LoggerMessage(EventId = 105, Level = LogLevel.Warning, Message = "Stream-to-lake worker on {Source} stopped: {Component} was disposed before the worker was stopped; {Count} records will be read again from the last checkpoint")]
    private static partial void LogDisposedUnderWorker(ILogger logger, string source, string component, long count);

    /// <summary>What was appended since the last commit, and the checkpoint that covers it.</summary>
    private sealed class Pending
    {
        private readonly Dictionary<string, string> _positions = new(StringComparer.Ordinal);

        public long Records { get; private set; }

        public long Rejects { get; private set; }

        public DateTimeOffset Since { get; private set; }

        public bool Any => Records + Rejects > 0;

        public void Add(SourceCheckpoint checkpoint, int records, int rejects, DateTimeOffset now)
        {
            if (!Any)
            {
                Since = now;
            }

            // Batches arrive in stream order: a later position of a partition supersedes an earlier one.
            foreach (var (partition, position) in checkpoint.Positions)
            {
                _positions[partition] = position;
            }

            Records += records;
            Rejects += rejects;
        }

        public SourceCheckpoint Checkpoint() => new(new Dictionary<string, string>(_positions, StringComparer.Ordinal));

        public void Clear()
        {
            _positions.Clear();
            Records = 0;
            Rejects = 0;
        }
    }
}
