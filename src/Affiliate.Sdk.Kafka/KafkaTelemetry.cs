using System.Diagnostics.Metrics;

namespace Affiliate.Sdk.Kafka;

/// <summary>The name of the Kafka package's meter, for <c>AddMeter</c> in OpenTelemetry.</summary>
public static class KafkaTelemetry
{
    /// <summary>The name of the <see cref="Meter"/> of <c>Affiliate.Sdk.Kafka</c>.</summary>
    public const string Name = "Affiliate.Sdk.Kafka";
}

/// <summary>The Kafka adapter's instruments, created from the host's <see cref="IMeterFactory"/>.</summary>
internal sealed class KafkaMetrics
{
    private readonly Counter<long> _produced;
    private readonly Counter<long> _deliveryFailures;
    private readonly Counter<long> _backPressureWaits;
    private readonly Counter<long> _consumed;
    private readonly Counter<long> _commits;
    private readonly Counter<long> _commitsDropped;
    private readonly Counter<long> _rebalances;
    private readonly List<Func<long>> _inFlight = [];
    private readonly List<Action<List<Measurement<long>>>> _lag = [];

    public KafkaMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(KafkaTelemetry.Name);
        _produced = meter.CreateCounter<long>("affiliate.sdk.kafka.producer.acknowledged", "{event}", "Events the brokers acknowledged (acks=all).");
        _deliveryFailures = meter.CreateCounter<long>("affiliate.sdk.kafka.producer.delivery_failures", "{event}", "Events whose delivery failed, by librdkafka error code (they go to the spool).");
        _backPressureWaits = meter.CreateCounter<long>("affiliate.sdk.kafka.producer.back_pressure_waits", "{wait}", "Publishes that waited because MaxInFlightEvents were unacknowledged.");
        meter.CreateObservableGauge("affiliate.sdk.kafka.producer.in_flight", ObserveInFlight, "{event}", "Events handed to the producer and not yet acknowledged.");
        _consumed = meter.CreateCounter<long>("affiliate.sdk.kafka.consumer.records", "{record}", "Records returned by the source.");
        _commits = meter.CreateCounter<long>("affiliate.sdk.kafka.consumer.commits", "{commit}", "Offset commits of the source (after the lake commit).");
        _commitsDropped = meter.CreateCounter<long>("affiliate.sdk.kafka.consumer.commits_dropped", "{partition}", "Checkpoint positions not committed because their partition was revoked meanwhile (the new owner re-reads them).");
        _rebalances = meter.CreateCounter<long>("affiliate.sdk.kafka.consumer.rebalances", "{partition}", "Partitions assigned, revoked or lost, by change.");
        meter.CreateObservableGauge("affiliate.sdk.kafka.consumer.lag", ObserveLag, "{record}", "Per partition: high watermark − committed offset of the source's group.");
    }

    public void Acknowledged(int count) => _produced.Add(count);

    public void DeliveryFailed(ErrorCodeTag code, int count = 1) => _deliveryFailures.Add(count, new KeyValuePair<string, object?>("error", code.Name));

    public void BackPressureWait() => _backPressureWaits.Add(1);

    public void Consumed(int count) => _consumed.Add(count);

    public void Committed() => _commits.Add(1);

    public void CommitDropped(int partitions) => _commitsDropped.Add(partitions);

    public void Rebalanced(string change, int partitions) => _rebalances.Add(partitions, new KeyValuePair<string, object?>("change", change));

    public IDisposable ObserveInFlight(Func<long> inFlight) => Observe(_inFlight, inFlight);

    public IDisposable ObserveLag(Action<List<Measurement<long>>> collect) => Observe(_lag, collect);

    private List<Measurement<long>> ObserveInFlight()
    {
        var result = new List<Measurement<long>>();
        lock (_inFlight)
        {
            foreach (var read in _inFlight)
            {
                result.Add(new Measurement<long>(read()));
            }
        }

        return result;
    }

    private List<Measurement<long>> ObserveLag()
    {
        var result = new List<Measurement<long>>();
        lock (_lag)
        {
            foreach (var collect in _lag)
            {
                collect(result);
            }
        }

        return result;
    }

    private static Unsubscriber Observe<T>(List<T> list, T item)
    {
        lock (list)
        {
            list.Add(item);
        }

        return new Unsubscriber(() =>
        {
            lock (list)
            {
                list.Remove(item);
            }
        });
    }

    private sealed class Unsubscriber(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}

/// <summary>A librdkafka error code as a metric tag value (lower-case name, no allocation per failure after the first).</summary>
internal readonly record struct ErrorCodeTag(string Name)
{
    public static ErrorCodeTag From(Confluent.Kafka.ErrorCode code) => new(code.ToString());
}
