namespace Affiliate.Sdk.Kafka.Tests;

/// <summary>
/// The Kafka publisher and consumer-group source pass the stream conformance suite on the mock cluster: one topic and one
/// consumer group per stream name, so a restart rejoins the group and resumes from its committed offsets.
/// </summary>
[Collection(KafkaClusterGroup.Name)]
public sealed class KafkaConformanceTests(MockKafkaCluster cluster) : EventStreamConformanceTests
{
    private readonly Dictionary<string, string> _topics = [];

    protected override int EventCount => 400;

    protected override ValueTask<EventStreamSession> OpenAsync(string streamName, CancellationToken cancellationToken)
    {
        if (!_topics.TryGetValue(streamName, out var topic))
        {
            _topics[streamName] = topic = cluster.CreateTopic();
        }

        var options = cluster.Options(topic, group: "lake-" + streamName);
        return ValueTask.FromResult(new EventStreamSession(new KafkaEventPublisher(options), new KafkaEventSource(options)));
    }
}
