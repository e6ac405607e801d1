using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Affiliate.Sdk.Diagnostics;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.Json;
using Affiliate.Sdk.Pipeline;

namespace Affiliate.Sdk.LocalLog;

/// <summary>
/// Publishes events to the durable local log: each event is serialised to its JSON contract into a reused buffer and
/// appended; a batch shares one group commit. A call completes only after the fsync that covers its events.
/// </summary>
internal sealed class LocalLogEventPublisher(DurableLog log, AffiliateSdkMetrics? metrics = null) : IEventPublisher
{
    internal const string PublisherName = "local_log";

    private const int MaxRetainedBufferBytes = 1024 * 1024;

    // As TrackingEventSerializer writes: the same bytes, with a writer reused per thread instead of one per event.
    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    public ValueTask PublishAsync(TrackingEvent trackingEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(trackingEvent);
        var buffer = RentBuffer();
        ValueTask<long> pending;
        try
        {
            Serialize(buffer, trackingEvent);

            // The log copies the bytes before returning, so the buffer is free again right after this call.
            pending = log.AppendAsync(buffer.WrittenSpan, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            throw Wrap(ex, 1);
        }
        finally
        {
            ReturnBuffer(buffer);
        }

        return CompleteAsync(pending, 1);
    }

    public ValueTask PublishBatchAsync(IReadOnlyList<TrackingEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            return ValueTask.CompletedTask;
        }

        var buffer = RentBuffer();
        var lengths = ArrayPool<int>.Shared.Rent(events.Count);
        ValueTask<long> pending;
        try
        {
            for (var i = 0; i < events.Count; i++)
            {
                var before = buffer.WrittenCount;
                Serialize(buffer, events[i] ?? throw new ArgumentException($"Event {i} of the batch is null.", nameof(events)));
                lengths[i] = buffer.WrittenCount - before;
            }

            pending = log.AppendBatchAsync(buffer.WrittenSpan, lengths.AsSpan(0, events.Count), cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            throw Wrap(ex, events.Count);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(lengths);
            ReturnBuffer(buffer);
        }

        return CompleteAsync(pending, events.Count);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask CompleteAsync(ValueTask<long> pending, int count)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            throw Wrap(ex, count);
        }

        metrics?.Published(PublisherName, count);
    }

    private PublishException Wrap(Exception ex, int count) =>
        new($"The local log '{log.Directory}' could not store {count} event(s) durably: {ex.Message}", ex);

    private static void Serialize(ArrayBufferWriter<byte> buffer, TrackingEvent trackingEvent)
    {
        var writer = t_writer;
        if (writer is null)
        {
            t_writer = writer = new Utf8JsonWriter(buffer, WriterOptions);
        }
        else
        {
            writer.Reset(buffer);
        }

        // Flushes into the buffer before it returns.
        JsonSerializer.Serialize(writer, trackingEvent, TrackingJsonContext.Default.TrackingEvent);
    }

    private static ArrayBufferWriter<byte> RentBuffer()
    {
        var buffer = t_buffer ?? new ArrayBufferWriter<byte>(4096);
        t_buffer = null;
        return buffer;
    }

    private static void ReturnBuffer(ArrayBufferWriter<byte> buffer)
    {
        if (buffer.Capacity <= MaxRetainedBufferBytes)
        {
            buffer.ResetWrittenCount();
            t_buffer = buffer;
        }
        else
        {
            // The writer still points at the large buffer: let both go.
            t_writer = null;
        }
    }
}
