using System.Diagnostics;
using System.Diagnostics.Metrics;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.LocalLog;

namespace Affiliate.Sdk.Diagnostics;

/// <summary>Names of the SDK's meter and activity source, for <c>AddMeter</c> / <c>AddSource</c> in OpenTelemetry.</summary>
public static class AffiliateSdkTelemetry
{
    /// <summary>The name of the <see cref="Meter"/> and <see cref="ActivitySource"/> of the runtime package.</summary>
    public const string Name = "Affiliate.Sdk";

    internal static readonly ActivitySource ActivitySource = new(Name, typeof(AffiliateSdkTelemetry).Assembly.GetName().Version?.ToString());
}

/// <summary>The runtime's instruments, created from the host's <see cref="IMeterFactory"/>.</summary>
internal sealed class AffiliateSdkMetrics
{
    private readonly Counter<long> _accepted;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _published;
    private readonly Counter<long> _spooled;
    private readonly Counter<long> _logAppends;
    private readonly Counter<long> _logBytes;
    private readonly Counter<long> _logFsyncs;
    private readonly Histogram<int> _logBatchSize;
    private readonly Histogram<double> _logCommitDuration;
    private readonly Counter<long> _drained;
    private readonly List<DurableLog> _logs = [];
    private readonly List<Func<long>> _spools = [];

    public AffiliateSdkMetrics(IMeterFactory meterFactory)
    {
        Meter = meterFactory.Create(AffiliateSdkTelemetry.Name);
        _accepted = Meter.CreateCounter<long>("affiliate.sdk.events.accepted", "{event}", "Events accepted by capture (durably handed on).");
        _rejected = Meter.CreateCounter<long>("affiliate.sdk.events.rejected", "{event}", "Events refused by capture, by reason.");
        _published = Meter.CreateCounter<long>("affiliate.sdk.events.published", "{event}", "Events durably accepted by a publisher.");
        _spooled = Meter.CreateCounter<long>("affiliate.sdk.events.spooled", "{event}", "Events written to the local spool while the stream was unavailable.");
        _logAppends = Meter.CreateCounter<long>("affiliate.sdk.local_log.appends", "{record}", "Records made durable in the local log.");
        _logBytes = Meter.CreateCounter<long>("affiliate.sdk.local_log.bytes", "By", "Bytes (framing included) written to the local log.");
        _logFsyncs = Meter.CreateCounter<long>("affiliate.sdk.local_log.fsyncs", "{fsync}", "Group commits flushed to disk by the local log.");
        _logBatchSize = Meter.CreateHistogram<int>(
            "affiliate.sdk.local_log.batch_size",
            "{record}",
            "Records per group commit (one write and one fsync) of the local log.",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096, 16384] });
        _logCommitDuration = Meter.CreateHistogram<double>("affiliate.sdk.local_log.commit.duration", "s", "Time of one group commit (write and fsync) of the local log.");
        Meter.CreateObservableGauge("affiliate.sdk.local_log.lag", ObserveLag, "{record}", "Records of the local log a consumer has not committed yet (end offset − committed offset).");
        _drained = Meter.CreateCounter<long>("affiliate.sdk.spool.drained", "{event}", "Spooled events republished to the stream.");
        Meter.CreateObservableGauge("affiliate.sdk.spool.depth", ObserveSpoolDepth, "{event}", "Events waiting in the spool for the stream to come back.");
    }

    /// <summary>The meter; components create further instruments (such as lag gauges) on it.</summary>
    public Meter Meter { get; }

    public void Accepted(EventKind kind, long count = 1) => _accepted.Add(count, new KeyValuePair<string, object?>("kind", KindTag(kind)));

    public void Rejected(string reason, long count = 1) => _rejected.Add(count, new KeyValuePair<string, object?>("reason", reason));

    public void Published(string publisher, long count) => _published.Add(count, new KeyValuePair<string, object?>("publisher", publisher));

    public void Spooled(long count) => _spooled.Add(count);

    public void Drained(long count) => _drained.Add(count);

    /// <summary>Records one group commit of a local log.</summary>
    public void LocalLogCommitted(string log, int records, int bytes, bool fsynced, TimeSpan elapsed)
    {
        var tag = new KeyValuePair<string, object?>("log", log);
        _logAppends.Add(records, tag);
        _logBytes.Add(bytes, tag);
        if (fsynced)
        {
            _logFsyncs.Add(1, tag);
        }

        _logBatchSize.Record(records, tag);
        _logCommitDuration.Record(elapsed.TotalSeconds, tag);
    }

    /// <summary>Adds a log to the lag gauge until <see cref="StopObservingLocalLog"/>.</summary>
    public void ObserveLocalLog(DurableLog log)
    {
        lock (_logs)
        {
            _logs.Add(log);
        }
    }

    public void StopObservingLocalLog(DurableLog log)
    {
        lock (_logs)
        {
            _logs.Remove(log);
        }
    }

    /// <summary>Adds a spool to the depth gauge; dispose the result to remove it.</summary>
    public IDisposable ObserveSpool(Func<long> depth)
    {
        lock (_spools)
        {
            _spools.Add(depth);
        }

        return new Unsubscriber(() =>
        {
            lock (_spools)
            {
                _spools.Remove(depth);
            }
        });
    }

    private List<Measurement<long>> ObserveLag()
    {
        var measurements = new List<Measurement<long>>();
        var lags = new List<(string Consumer, long Lag)>();
        lock (_logs)
        {
            foreach (var log in _logs)
            {
                lags.Clear();
                log.CollectLag(lags);
                foreach (var (consumer, lag) in lags)
                {
                    measurements.Add(new Measurement<long>(lag, new KeyValuePair<string, object?>("log", log.Name), new KeyValuePair<string, object?>("consumer", consumer)));
                }
            }
        }

        return measurements;
    }

    private List<Measurement<long>> ObserveSpoolDepth()
    {
        var measurements = new List<Measurement<long>>();
        lock (_spools)
        {
            foreach (var depth in _spools)
            {
                measurements.Add(new Measurement<long>(depth()));
            }
        }

        return measurements;
    }

    private sealed class Unsubscriber(Action action) : IDisposable
    {
        public void Dispose() => action();
    }

    internal static string KindTag(EventKind kind) => kind switch
    {
        EventKind.Impression => "impression",
        EventKind.Click => "click",
        EventKind.Conversion => "conversion",
        _ => "unknown",
    };
}
