using System.Diagnostics.Metrics;

namespace Affiliate.Sdk.Kinesis;

/// <summary>The name of the Kinesis package's meter, for <c>AddMeter</c> in OpenTelemetry.</summary>
public static class KinesisTelemetry
{
    /// <summary>The name of the <see cref="Meter"/> of <c>Affiliate.Sdk.Kinesis</c>.</summary>
    public const string Name = "Affiliate.Sdk.Kinesis";
}

/// <summary>The Kinesis adapter's instruments, created from the host's <see cref="IMeterFactory"/>.</summary>
internal sealed class KinesisMetrics
{
    private readonly Counter<long> _events;
    private readonly Counter<long> _records;
    private readonly Counter<long> _calls;
    private readonly Counter<long> _failedEntries;
    private readonly Counter<long> _failedEvents;
    private readonly Histogram<long> _eventsPerCall;
    private readonly Counter<long> _read;
    private readonly Counter<long> _commits;
    private readonly Counter<long> _leases;
    private readonly Counter<long> _invalidAggregates;

    public KinesisMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(KinesisTelemetry.Name);
        _events = meter.CreateCounter<long>("affiliate.sdk.kinesis.publisher.events", "{event}", "Events Kinesis acknowledged.");
        _records = meter.CreateCounter<long>("affiliate.sdk.kinesis.publisher.records", "{record}", "Kinesis records written (an aggregate counts once), by aggregated true/false.");
        _calls = meter.CreateCounter<long>("affiliate.sdk.kinesis.publisher.calls", "{call}", "PutRecords calls, by outcome (ok, partial, error).");
        _failedEntries = meter.CreateCounter<long>("affiliate.sdk.kinesis.publisher.failed_entries", "{record}", "PutRecords entries that failed and were retried, by error code.");
        _failedEvents = meter.CreateCounter<long>("affiliate.sdk.kinesis.publisher.failed_events", "{event}", "Events given up after RecordTtl or a permanent error (the spool takes them when registered).");
        _eventsPerCall = meter.CreateHistogram<long>("affiliate.sdk.kinesis.publisher.events_per_call", "{event}", "Events carried by one successful PutRecords call.");
        _read = meter.CreateCounter<long>("affiliate.sdk.kinesis.source.events", "{event}", "Events returned by the source (after de-aggregation).");
        _commits = meter.CreateCounter<long>("affiliate.sdk.kinesis.source.commits", "{shard}", "Shard checkpoints written, by outcome (ok, lease_lost).");
        _leases = meter.CreateCounter<long>("affiliate.sdk.kinesis.source.lease_changes", "{lease}", "Shard leases taken, handed over, lost or released, by change.");
        _invalidAggregates = meter.CreateCounter<long>("affiliate.sdk.kinesis.source.invalid_aggregates", "{record}", "Records with the KPL magic whose digest or body did not check out (passed on whole as one record).");
    }

    public void Acknowledged(int events, long calls, int eventsInCall)
    {
        _events.Add(events);
        if (calls > 0)
        {
            _eventsPerCall.Record(eventsInCall);
        }
    }

    public void Records(int count, bool aggregated) => _records.Add(count, new KeyValuePair<string, object?>("aggregated", aggregated));

    public void Call(string outcome) => _calls.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void FailedEntries(string code, int count) => _failedEntries.Add(count, new KeyValuePair<string, object?>("error", code));

    public void FailedEvents(int count) => _failedEvents.Add(count);

    public void Read(int count) => _read.Add(count);

    public void Commit(string outcome, int shards) => _commits.Add(shards, new KeyValuePair<string, object?>("outcome", outcome));

    public void Lease(string change) => _leases.Add(1, new KeyValuePair<string, object?>("change", change));

    public void InvalidAggregate() => _invalidAggregates.Add(1);
}
