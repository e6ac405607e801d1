using Affiliate.Sdk.LocalLog;
using Affiliate.Sdk.Testing;

namespace Affiliate.Sdk.Tests.LocalLog;

/// <summary>
/// The local log publisher and source pass the stream conformance suite: one directory per stream name, a restart reopens
/// the log from disk, and the single partition keeps every event in publish order.
/// </summary>
public sealed class LocalLogConformanceTests : EventStreamConformanceTests, IDisposable
{
    private readonly Dictionary<string, TempLogDirectory> _directories = [];

    protected override StreamOrdering Ordering => StreamOrdering.Total;

    protected override ValueTask<EventStreamSession> OpenAsync(string streamName, CancellationToken cancellationToken)
    {
        if (!_directories.TryGetValue(streamName, out var directory))
        {
            _directories[streamName] = directory = new TempLogDirectory();
        }

        var log = directory.Open();
        return ValueTask.FromResult(new EventStreamSession(new LocalLogEventPublisher(log), new LocalLogEventSource(log), log.DisposeAsync));
    }

    public void Dispose()
    {
        foreach (var directory in _directories.Values)
        {
            directory.Dispose();
        }
    }
}
