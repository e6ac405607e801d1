using System.Diagnostics;
using System.Diagnostics.Metrics;
using Affiliate.Sdk.Events;

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

    public AffiliateSdkMetrics(IMeterFactory meterFactory)
    {
        Meter = meterFactory.Create(AffiliateSdkTelemetry.Name);
        _accepted = Meter.CreateCounter<long>("affiliate.sdk.events.accepted", "{event}", "Events accepted by capture (durably handed on).");
        _rejected = Meter.CreateCounter<long>("affiliate.sdk.events.rejected", "{event}", "Events refused by capture, by reason.");
        _published = Meter.CreateCounter<long>("affiliate.sdk.events.published", "{event}", "Events durably accepted by a publisher.");
        _spooled = Meter.CreateCounter<long>("affiliate.sdk.events.spooled", "{event}", "Events written to the local spool while the stream was unavailable.");
    }

    /// <summary>The meter; components create further instruments (such as lag gauges) on it.</summary>
    public Meter Meter { get; }

    public void Accepted(EventKind kind, long count = 1) => _accepted.Add(count, new KeyValuePair<string, object?>("kind", KindTag(kind)));

    public void Rejected(string reason, long count = 1) => _rejected.Add(count, new KeyValuePair<string, object?>("reason", reason));

    public void Published(string publisher, long count) => _published.Add(count, new KeyValuePair<string, object?>("publisher", publisher));

    public void Spooled(long count) => _spooled.Add(count);

    internal static string KindTag(EventKind kind) => kind switch
    {
        EventKind.Impression => "impression",
        EventKind.Click => "click",
        EventKind.Conversion => "conversion",
        _ => "unknown",
    };
}
