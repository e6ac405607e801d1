using Affiliate.Sdk.Diagnostics;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.Json;
using Affiliate.Sdk.Pipeline;
using Microsoft.Extensions.Logging;

namespace Affiliate.Sdk.LocalLog;

/// <summary>
/// Fronts a stream publisher (Kafka, Kinesis) with the local log as an outage spool: when the stream fails with a
/// retryable error, events are appended to the spool and acknowledged after its fsync; while the spool holds events,
/// new events go there too, so order is kept; a background drainer republishes them in order once the stream works
/// again and commits the spool only after the stream acknowledged. Create it with
/// <c>AddSpooledPublisher</c> on the SDK builder.
/// </summary>
public sealed class SpoolingEventPublisher : IEventPublisher, IAsyncDisposable
{
    internal const string DrainConsumer = "drain";

    private readonly IEventPublisher _inner;
    private readonly DurableLog _spool;
    private readonly LocalLogEventPublisher _spoolWriter;
    private readonly AffiliateSdkMetrics? _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly SpoolSettings _settings;
    private readonly object _gate = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly IDisposable? _depthGauge;
    private bool _spooling;
    private int _appendsInFlight;
    private Task? _drainer;
    private int _disposed;

    internal SpoolingEventPublisher(IEventPublisher inner, DurableLog spool, ILogger logger, AffiliateSdkMetrics? metrics = null, TimeProvider? time = null, SpoolSettings? settings = null)
    {
        _inner = inner;
        _spool = spool;
        _spoolWriter = new LocalLogEventPublisher(spool);
        _metrics = metrics;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _settings = settings ?? new SpoolSettings();
        _depthGauge = metrics?.ObserveSpool(() => SpoolDepth);

        // Events spooled before a restart drain first; until then new events queue behind them.
        if (SpoolDepth > 0)
        {
            lock (_gate)
            {
                _spooling = true;
                StartDrainer();
            }
        }
    }

    /// <summary>Whether events are currently going to the spool (the stream failed and the spool is not drained yet).</summary>
    public bool IsSpooling
    {
        get
        {
            lock (_gate)
            {
                return _spooling;
            }
        }
    }

    /// <summary>Events in the spool that the stream has not acknowledged yet.</summary>
    public long SpoolDepth => Math.Max(0, _spool.DurableNextOffset - _spool.RegisterConsumer(DrainConsumer));

    /// <summary>Publishes one event to the stream, or to the spool while the stream is unavailable.</summary>
    /// <param name="trackingEvent">The event.</param>
    /// <param name="cancellationToken">Stops waiting; the event may still be published or spooled.</param>
    /// <returns>Completes when the stream acknowledged the event or the spool stored it durably.</returns>
    public ValueTask PublishAsync(TrackingEvent trackingEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(trackingEvent);
        return PublishCoreAsync([trackingEvent], single: true, cancellationToken);
    }

    /// <summary>Publishes a batch to the stream, or to the spool while the stream is unavailable.</summary>
    /// <param name="events">The events.</param>
    /// <param name="cancellationToken">Stops waiting; events may still be published or spooled.</param>
    /// <returns>Completes when every event is acknowledged by the stream or stored durably by the spool.</returns>
    public ValueTask PublishBatchAsync(IReadOnlyList<TrackingEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        return events.Count == 0 ? ValueTask.CompletedTask : PublishCoreAsync(events, single: false, cancellationToken);
    }

    private async ValueTask PublishCoreAsync(IReadOnlyList<TrackingEvent> events, bool single, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (!IsSpooling)
        {
            try
            {
                if (single)
                {
                    await _inner.PublishAsync(events[0], cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await _inner.PublishBatchAsync(events, cancellationToken).ConfigureAwait(false);
                }

                return;
            }
            catch (Exception ex) when (IsRetryable(ex, cancellationToken))
            {
                LocalLogLog.Spooling(_logger, ex.Message, events.Count);
            }
        }

        lock (_gate)
        {
            _spooling = true;
            _appendsInFlight++;
        }

        try
        {
            await _spoolWriter.PublishBatchAsync(events, cancellationToken).ConfigureAwait(false);
            _metrics?.Spooled(events.Count);
        }
        finally
        {
            lock (_gate)
            {
                _appendsInFlight--;
                StartDrainer();
            }
        }
    }

    /// <summary>Whether a failure of the stream is transient, so the events belong in the spool rather than an error.</summary>
    internal static bool IsRetryable(Exception exception, CancellationToken callerToken) => exception switch
    {
        AffiliateSdkException sdk => sdk.IsRetryable,
        TimeoutException => true,
        OperationCanceledException => !callerToken.IsCancellationRequested,
        _ => false,
    };

    /// <summary>Starts the drainer unless it runs already; call under <see cref="_gate"/>.</summary>
    private void StartDrainer()
    {
        if (_drainer is null && !_stopping.IsCancellationRequested)
        {
            _drainer = Task.Run(DrainAsync);
        }
    }

    private async Task DrainAsync()
    {
        var token = _stopping.Token;
        using var reader = _spool.CreateReader(_spool.RegisterConsumer(DrainConsumer));
        long drained = 0;
        try
        {
            while (!token.IsCancellationRequested)
            {
                var records = reader.Read(_settings.DrainBatchSize);
                if (records.Count == 0)
                {
                    lock (_gate)
                    {
                        if (_appendsInFlight == 0 && reader.NextOffset >= _spool.DurableNextOffset)
                        {
                            // Everything spooled reached the stream: new events go straight to it again.
                            _spooling = false;
                            _drainer = null;
                            break;
                        }
                    }

                    await _spool.WaitForRecordAsync(reader.NextOffset)
                        .WaitAsync(_settings.IdleWait, _time, token)
                        .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    continue;
                }

                await RepublishAsync(records, token).ConfigureAwait(false);
                await _spool.CommitAsync(DrainConsumer, records[^1].Offset + 1, token).ConfigureAwait(false);
                drained += records.Count;
                _metrics?.Drained(records.Count);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopping: what is not committed is republished after the next start (at-least-once).
        }
        catch (Exception ex)
        {
            // The spool itself failed (damaged or unreadable): keep spooling so nothing is lost, and say so loudly.
            LocalLogLog.DrainFailed(_logger, ex);
            lock (_gate)
            {
                _drainer = null;
            }

            return;
        }

        if (drained > 0)
        {
            LocalLogLog.Drained(_logger, drained);
        }
    }

    /// <summary>Publishes spooled records to the stream, retrying transient failures with backoff until it works.</summary>
    private async Task RepublishAsync(IReadOnlyList<LogRecord> records, CancellationToken token)
    {
        var events = new List<TrackingEvent>(records.Count);
        var sources = new List<LogRecord>(records.Count);
        foreach (var record in records)
        {
            if (TrackingEventSerializer.TryDeserialize(record.Payload.Span, out var trackingEvent, out var error))
            {
                events.Add(trackingEvent);
                sources.Add(record);
            }
            else
            {
                await DeadLetterAsync(record, "not a valid event: " + error, token).ConfigureAwait(false);
            }
        }

        var delay = _settings.InitialRetryDelay;
        while (events.Count > 0)
        {
            try
            {
                await _inner.PublishBatchAsync(events, token).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (IsRetryable(ex, token))
            {
                LocalLogLog.DrainRetry(_logger, ex.Message, delay);
                await Task.Delay(delay, _time, token).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _settings.MaxRetryDelay.Ticks));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The stream refuses these events for good: keep them, with the reason, rather than block the spool.
                foreach (var record in sources)
                {
                    await DeadLetterAsync(record, "the stream refused the event: " + ex.Message, token).ConfigureAwait(false);
                }

                return;
            }
        }
    }

    private async Task DeadLetterAsync(LogRecord record, string reason, CancellationToken token)
    {
        LocalLogLog.SpoolDeadLetter(_logger, record.Offset, reason);
        var directory = Path.Combine(_spool.Directory, "dead-letters");
        Directory.CreateDirectory(directory);
        var name = DurableFiles.SegmentFileName(record.Offset)[..20];
        await File.WriteAllBytesAsync(Path.Combine(directory, name + ".json"), record.Payload.ToArray(), token).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(directory, name + ".reason.txt"), reason, token).ConfigureAwait(false);
    }

    /// <summary>Stops the drainer (undrained events stay in the spool for the next start) and closes the spool and the stream publisher.</summary>
    /// <returns>Completes when everything is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Task? drainer;
        lock (_gate)
        {
            _stopping.Cancel();
            drainer = _drainer;
        }

        if (drainer is not null)
        {
            await drainer.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _depthGauge?.Dispose();
        await _spool.DisposeAsync().ConfigureAwait(false);
        switch (_inner)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }

        _stopping.Dispose();
    }
}

/// <summary>Timing of the spool's drainer.</summary>
/// <param name="DrainBatchSize">Spooled events republished per stream call.</param>
internal sealed record SpoolSettings(int DrainBatchSize = 500)
{
    public TimeSpan InitialRetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan IdleWait { get; init; } = TimeSpan.FromSeconds(1);
}
