using System.Collections.Concurrent;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.Pipeline;

namespace Affiliate.Sdk.Tests.Capture;

/// <summary>Records what it is asked to publish, as a durable publisher that always succeeds.</summary>
internal sealed class RecordingPublisher : IEventPublisher
{
    public ConcurrentQueue<TrackingEvent> Events { get; } = new();

    public ValueTask PublishAsync(TrackingEvent trackingEvent, CancellationToken cancellationToken)
    {
        Events.Enqueue(trackingEvent);
        return ValueTask.CompletedTask;
    }

    public ValueTask PublishBatchAsync(IReadOnlyList<TrackingEvent> events, CancellationToken cancellationToken)
    {
        foreach (var e in events)
        {
            Events.Enqueue(e);
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>A publisher whose stream is down: nothing is ever accepted.</summary>
internal sealed class FailingPublisher : IEventPublisher
{
    public ValueTask PublishAsync(TrackingEvent trackingEvent, CancellationToken cancellationToken) =>
        ValueTask.FromException(new PublishException("The stream is unavailable."));

    public ValueTask PublishBatchAsync(IReadOnlyList<TrackingEvent> events, CancellationToken cancellationToken) =>
        ValueTask.FromException(new PublishException("The stream is unavailable."));
}
