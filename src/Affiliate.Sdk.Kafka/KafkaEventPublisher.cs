using System.Globalization;
using System.Text;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.Json;
using Affiliate.Sdk.Pipeline;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Affiliate.Sdk.Kafka;

/// <summary>
/// Publishes events to a Kafka topic with an idempotent producer (acks=all). A call completes only when the brokers
/// acknowledged every one of its events; any failed delivery makes it throw <see cref="PublishException"/> (the
/// registration puts the local-log spool in front, which takes the events instead). At most
/// <see cref="KafkaOptions.MaxInFlightEvents"/> events are unacknowledged at once: further publishes wait.
/// </summary>
internal sealed class KafkaEventPublisher : IEventPublisher, IAsyncDisposable
{
    internal const string PublisherName = "kafka";

    /// <summary>Header with <see cref="TrackingEventSerializer.ContentType"/>.</summary>
    internal const string ContentTypeHeader = "content-type";

    /// <summary>Header with the event's <see cref="TrackingEvent.SchemaVersion"/> (decimal text).</summary>
    internal const string SchemaVersionHeader = "schema-version";

    /// <summary>Header with the event's kind (<c>impression</c>, <c>click</c>, <c>conversion</c>), for consumers that filter without parsing.</summary>
    internal const string KindHeader = "event-kind";

    private static readonly byte[] ContentTypeValue = Encoding.UTF8.GetBytes(TrackingEventSerializer.ContentType);
    private static readonly byte[] CurrentSchemaValue = Encoding.UTF8.GetBytes(TrackingEvent.CurrentSchemaVersion.ToString(CultureInfo.InvariantCulture));
    private static readonly byte[][] KindValues =
    [
        "unknown"u8.ToArray(),
        "impression"u8.ToArray(),
        "click"u8.ToArray(),
        "conversion"u8.ToArray(),
    ];

    private readonly KafkaOptions _options;
    private readonly ProducerConfig _config;
    private readonly ILogger _logger;
    private readonly KafkaMetrics? _metrics;
    private readonly SemaphoreSlim _slots;
    private readonly Lock _gate = new();
    private readonly IDisposable? _observation;
    private IProducer<byte[], byte[]>? _producer;
    private volatile bool _fatal;
    private long _inFlight;
    private int _disposed;

    public KafkaEventPublisher(KafkaOptions options, ILogger? logger = null, KafkaMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _config = KafkaClientConfig.ForProducer(options);
        _logger = logger ?? NullLogger.Instance;
        _metrics = metrics;
        _slots = new SemaphoreSlim(options.MaxInFlightEvents, options.MaxInFlightEvents);
        _observation = metrics?.ObserveInFlight(() => Interlocked.Read(ref _inFlight));
    }

    /// <summary>The topic events are published to.</summary>
    public string Topic => _options.Topic;

    /// <summary>Events handed to the producer and not yet acknowledged or failed.</summary>
    public long InFlight => Interlocked.Read(ref _inFlight);

    public ValueTask PublishAsync(TrackingEvent trackingEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(trackingEvent);
        return PublishCoreAsync([trackingEvent], cancellationToken);
    }

    public ValueTask PublishBatchAsync(IReadOnlyList<TrackingEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        return events.Count == 0 ? ValueTask.CompletedTask : PublishCoreAsync(events, cancellationToken);
    }

    /// <summary>Creates the message of an event: key for its partition, JSON value, content-type and schema headers.</summary>
    internal static Message<byte[], byte[]> CreateMessage(TrackingEvent trackingEvent)
    {
        var headers = new Headers
        {
            { ContentTypeHeader, ContentTypeValue },
            {
                SchemaVersionHeader,
                trackingEvent.SchemaVersion == TrackingEvent.CurrentSchemaVersion
                    ? CurrentSchemaValue
                    : Encoding.UTF8.GetBytes(trackingEvent.SchemaVersion.ToString(CultureInfo.InvariantCulture))
            },
        };
        if ((uint)trackingEvent.Kind < (uint)KindValues.Length)
        {
            headers.Add(KindHeader, KindValues[(int)trackingEvent.Kind]);
        }

        return new Message<byte[], byte[]>
        {
            Key = KafkaPartitionKey.For(trackingEvent),
            Value = TrackingEventSerializer.SerializeToUtf8Bytes(trackingEvent),
            Headers = headers,
        };
    }

    private async ValueTask PublishCoreAsync(IReadOnlyList<TrackingEvent> events, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var delivery = new Delivery(this, events.Count);
        var producer = Producer();
        for (var i = 0; i < events.Count; i++)
        {
            var message = CreateMessage(events[i] ?? throw new ArgumentException($"Event {i} of the batch is null.", nameof(events)));
            if (!_slots.Wait(0, CancellationToken.None))
            {
                _metrics?.BackPressureWait();
                await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            Interlocked.Increment(ref _inFlight);
            try
            {
                await ProduceAsync(producer, message, delivery, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // Not handed over: its slot is free again; those already handed over complete on their own.
                Release();
                if (ex is KafkaException kafka)
                {
                    _metrics?.DeliveryFailed(ErrorCodeTag.From(kafka.Error.Code), events.Count - i);
                    KafkaLog.DeliveryFailed(_logger, _options.Topic, events.Count - i, kafka.Error.Reason);
                    throw new PublishException($"Kafka did not accept {events.Count - i} of {events.Count} event(s) for topic '{_options.Topic}': {kafka.Error.Reason}", kafka);
                }

                throw;
            }
        }

        await delivery.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private ValueTask ProduceAsync(IProducer<byte[], byte[]> producer, Message<byte[], byte[]> message, Delivery delivery, CancellationToken cancellationToken)
    {
        try
        {
            producer.Produce(_options.Topic, message, delivery.Handler);
            return ValueTask.CompletedTask;
        }
        catch (ProduceException<byte[], byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
        {
            return ProduceWhenRoomAsync(producer, message, delivery, cancellationToken);
        }
    }

    /// <summary>librdkafka's queue is full (its byte limit was reached first): wait for room, bounded by the delivery timeout.</summary>
    private async ValueTask ProduceWhenRoomAsync(IProducer<byte[], byte[]> producer, Message<byte[], byte[]> message, Delivery delivery, CancellationToken cancellationToken)
    {
        _metrics?.BackPressureWait();
        var started = TimeProvider.System.GetTimestamp();
        while (true)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(2), cancellationToken).ConfigureAwait(false);
            try
            {
                producer.Produce(_options.Topic, message, delivery.Handler);
                return;
            }
            catch (ProduceException<byte[], byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull
                && TimeProvider.System.GetElapsedTime(started) < _options.DeliveryTimeout)
            {
            }
        }
    }

    private IProducer<byte[], byte[]> Producer()
    {
        var producer = Volatile.Read(ref _producer);
        if (producer is not null && !_fatal)
        {
            return producer;
        }

        lock (_gate)
        {
            if (_producer is not null && !_fatal)
            {
                return _producer;
            }

            var old = _producer;
            _producer = Build();
            _fatal = false;
            if (old is not null)
            {
                // Its queued messages already failed with the fatal error; closing it may block, so not on this thread.
                _ = Task.Run(old.Dispose);
            }

            return _producer;
        }
    }

    private IProducer<byte[], byte[]> Build()
    {
        try
        {
            return new ProducerBuilder<byte[], byte[]>(_config)
                .SetErrorHandler(OnError)
                .SetLogHandler((_, log) => KafkaLog.Librdkafka(_logger, log.Facility, log.Message))
                .Build();
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or KafkaException)
        {
            throw new AffiliateSdkException(
                $"The Kafka producer settings are invalid ({KafkaOptions.SectionName}:Common / :Producer): {ex.Message}", isRetryable: false, ex);
        }
    }

    private void OnError(IProducer<byte[], byte[]> producer, Error error)
    {
        if (error.IsFatal)
        {
            _fatal = true;
            KafkaLog.ProducerFatal(_logger, _options.Topic, error.Reason, error.Code.ToString());
        }
        else
        {
            KafkaLog.ProducerError(_logger, _options.Topic, error.Reason, error.Code.ToString());
        }
    }

    private void Release()
    {
        Interlocked.Decrement(ref _inFlight);
        _slots.Release();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _observation?.Dispose();
        IProducer<byte[], byte[]>? producer;
        lock (_gate)
        {
            producer = _producer;
            _producer = null;
        }

        if (producer is not null)
        {
            // Flush is a blocking librdkafka call: give pending deliveries their time without holding the caller's thread.
            await Task.Run(() =>
            {
                producer.Flush(_options.DeliveryTimeout);
                producer.Dispose();
            }).ConfigureAwait(false);
        }
    }

    /// <summary>The outcome of one publish call: completes when every handed-over event is acknowledged or failed.</summary>
    private sealed class Delivery
    {
        private readonly KafkaEventPublisher _owner;
        private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly int _count;
        private int _remaining;
        private int _failed;
        private Error? _firstError;

        public Delivery(KafkaEventPublisher owner, int count)
        {
            _owner = owner;
            _count = count;
            _remaining = count;
            Handler = OnReport;
        }

        public Action<DeliveryReport<byte[], byte[]>> Handler { get; }

        public Task Task => _completion.Task;

        private void OnReport(DeliveryReport<byte[], byte[]> report)
        {
            _owner.Release();
            if (report.Error.IsError)
            {
                _owner._metrics?.DeliveryFailed(ErrorCodeTag.From(report.Error.Code));
                Interlocked.CompareExchange(ref _firstError, report.Error, null);
                Interlocked.Increment(ref _failed);
            }

            if (Interlocked.Decrement(ref _remaining) != 0)
            {
                return;
            }

            var failed = Volatile.Read(ref _failed);
            _owner._metrics?.Acknowledged(_count - failed);
            if (failed == 0)
            {
                _completion.TrySetResult();
                return;
            }

            var error = _firstError!;
            KafkaLog.DeliveryFailed(_owner._logger, _owner._options.Topic, failed, error.Reason);
            _completion.TrySetException(new PublishException(
                $"Kafka did not acknowledge {failed} of {_count} event(s) on topic '{_owner._options.Topic}': {error.Reason} ({error.Code})",
                new KafkaException(error)));
        }
    }
}
