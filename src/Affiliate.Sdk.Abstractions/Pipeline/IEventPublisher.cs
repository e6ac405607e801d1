using Affiliate.Sdk.Events;

namespace Affiliate.Sdk.Pipeline;

/// <summary>
/// Hands events from capture to the stream (local log, Kafka, Kinesis). A call completes only once the events are
/// durably accepted (fsync or broker acknowledgement); if it throws, none of them may be considered acknowledged.
/// </summary>
public interface IEventPublisher
{
    /// <summary>Publishes one event.</summary>
    /// <param name="trackingEvent">The event.</param>
    /// <param name="cancellationToken">Stops waiting; the event may still be published.</param>
    /// <returns>Completes when the event is durably accepted.</returns>
    /// <exception cref="PublishException">The event could not be accepted durably.</exception>
    ValueTask PublishAsync(TrackingEvent trackingEvent, CancellationToken cancellationToken);

    /// <summary>Publishes a batch of events.</summary>
    /// <param name="events">The events.</param>
    /// <param name="cancellationToken">Stops waiting; events may still be published.</param>
    /// <returns>Completes when every event is durably accepted.</returns>
    /// <exception cref="PublishException">Some events could not be accepted durably.</exception>
    ValueTask PublishBatchAsync(IReadOnlyList<TrackingEvent> events, CancellationToken cancellationToken);
}
