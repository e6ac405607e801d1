using System.Collections.Concurrent;
using System.Globalization;
using Affiliate.Sdk.Json;
using Affiliate.Sdk.Pipeline;

namespace Affiliate.Sdk.Kafka.Tests;

/// <summary>Bronze as the tests see it: every stored event id (with how often it landed) and every reject.</summary>
internal sealed class RecordingBronze
{
    public ConcurrentDictionary<Guid, int> Events { get; } = new();

    public ConcurrentQueue<(string Partition, string Position, string Reason)> Rejects { get; } = new();

    public int Distinct => Events.Count;

    public int Duplicates => Events.Values.Sum(v => v - 1);
}

/// <summary>
/// A stand-in for the stream-to-lake worker with the same contract: append what it reads, flush when enough is
/// pending or the stream is idle, and only then commit the checkpoint. It also checks every checkpoint: it must cover
/// exactly the highest offset read per partition, and offsets must grow within a partition.
/// </summary>
internal sealed class RecordingLake(RecordingBronze bronze, int flushEvery = 1_000)
{
    private readonly List<(Guid? Id, SourceRecord Record, string? Error)> _pending = [];
    private readonly Dictionary<string, string> _checkpoint = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _lastOffset = new(StringComparer.Ordinal);

    public int Commits { get; private set; }

    public int CommitRetries { get; private set; }

    public int Pending => _pending.Count;

    /// <summary>One worker iteration: read, append, maybe flush and commit. Returns the records read.</summary>
    public async Task<int> StepAsync(IEventSource source, CancellationToken cancellationToken, int maxRecords = 500)
    {
        var batch = await source.ReadAsync(maxRecords, TimeSpan.FromMilliseconds(100), cancellationToken);
        var highest = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var record in batch.Records)
        {
            var offset = long.Parse(record.Position, CultureInfo.InvariantCulture);
            Assert.Contains('/', record.Partition);
            if (_lastOffset.TryGetValue(record.Partition, out var last))
            {
                Assert.True(offset > last, $"Offsets of {record.Partition} went from {last} to {offset} within one assignment.");
            }

            _lastOffset[record.Partition] = offset;
            highest[record.Partition] = offset;
            _pending.Add(TrackingEventSerializer.TryDeserialize(record.Payload.Span, out var e, out var error)
                ? (e.EventId, record, null)
                : (null, record, error));
        }

        Assert.Equal(highest.Count, batch.Checkpoint.Positions.Count);
        foreach (var (partition, offset) in highest)
        {
            Assert.Equal(offset.ToString(CultureInfo.InvariantCulture), batch.Checkpoint.Positions[partition]);
            _checkpoint[partition] = batch.Checkpoint.Positions[partition];
        }

        if (_pending.Count >= flushEvery || (batch.Records.Count == 0 && _pending.Count > 0))
        {
            await FlushAsync(source, cancellationToken);
        }

        return batch.Records.Count;
    }

    public async Task FlushAsync(IEventSource source, CancellationToken cancellationToken)
    {
        foreach (var (id, record, error) in _pending)
        {
            if (id is { } eventId)
            {
                bronze.Events.AddOrUpdate(eventId, 1, (_, n) => n + 1);
            }
            else
            {
                bronze.Rejects.Enqueue((record.Partition, record.Position, error!));
            }
        }

        _pending.Clear();
        if (_checkpoint.Count > 0)
        {
            // Like the stream-to-lake worker: a retryable commit failure (e.g. a rebalance in progress) is retried.
            var checkpoint = new SourceCheckpoint(new Dictionary<string, string>(_checkpoint));
            while (true)
            {
                try
                {
                    await source.CommitAsync(checkpoint, cancellationToken);
                    break;
                }
                catch (AffiliateSdkException ex) when (ex.IsRetryable)
                {
                    CommitRetries++;
                    await Task.Delay(50, cancellationToken);
                }
            }

            Commits++;
        }

        _checkpoint.Clear();
    }

    /// <summary>A crash: what was read and not flushed is gone.</summary>
    public void Crash()
    {
        _pending.Clear();
        _checkpoint.Clear();
        _lastOffset.Clear();
    }

    /// <summary>Runs the worker loop until a condition holds, or fails at the deadline.</summary>
    public async Task RunUntilAsync(IEventSource source, Func<bool> done, TimeSpan deadline, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(deadline);
        try
        {
            while (!done())
            {
                await StepAsync(source, timeout.Token);
            }

            await FlushAsync(source, timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            Assert.Fail($"The condition did not hold within {deadline} (bronze has {bronze.Distinct} events, {bronze.Rejects.Count} rejects).");
        }
    }
}

internal static class Wait
{
    /// <summary>Waits for a condition with a deadline (no fixed sleeps).</summary>
    public static async Task UntilAsync(Func<bool> condition, TimeSpan deadline, string what)
    {
        var started = DateTime.UtcNow;
        while (!condition())
        {
            if (DateTime.UtcNow - started > deadline)
            {
                Assert.Fail($"Timed out after {deadline} waiting for: {what}");
            }

            await Task.Delay(20);
        }
    }
}
