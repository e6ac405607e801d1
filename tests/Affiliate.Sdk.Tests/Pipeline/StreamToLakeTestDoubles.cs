using System.Globalization;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.Json;
using Affiliate.Sdk.Pipeline;

namespace Affiliate.Sdk.Tests.Pipeline;

/// <summary>
/// A stream over in-memory partitions with explicit, durable-in-the-test checkpoints: a reader resumes after the committed
/// positions, like a consumer group does after a restart. Positions are the record's index in its partition.
/// </summary>
public sealed class ListEventSource : IEventSource
{
    private readonly StreamLog _log;
    private readonly Dictionary<string, int> _next = new();
    private readonly Action<SourceCheckpoint>? _onCommit;

    public ListEventSource(StreamLog log, Action<SourceCheckpoint>? onCommit = null)
    {
        _log = log;
        _onCommit = onCommit;
        lock (log)
        {
            foreach (var partition in log.Partitions.Keys)
            {
                _next[partition] = log.Committed.TryGetValue(partition, out var c) ? c + 1 : 0;
            }
        }
    }

    public string Name => "list";

    /// <summary>Fails the next N reads with an I/O error.</summary>
    public int FailReads { get; set; }

    /// <summary>Set once the source was disposed under the worker: every later call throws <see cref="ObjectDisposedException"/>.</summary>
    public bool Disposed { get; set; }

    /// <summary>Fails the next N commits with an I/O error.</summary>
    public int FailCommits { get; set; }

    public int Commits { get; private set; }

    /// <summary>Records returned by reads so far.</summary>
    public int Delivered => Volatile.Read(ref _delivered);

    private int _delivered;

    public async ValueTask<SourceBatch> ReadAsync(int maxRecords, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(Disposed, this);
        if (FailReads > 0)
        {
            FailReads--;
            throw new IOException("Injected read failure.");
        }

        var records = new List<SourceRecord>();
        var positions = new Dictionary<string, string>();
        lock (_log)
        {
            foreach (var (partition, payloads) in _log.Partitions)
            {
                _next.TryAdd(partition, 0);
                while (records.Count < maxRecords && _next[partition] < payloads.Count)
                {
                    var index = _next[partition]++;
                    var position = index.ToString(CultureInfo.InvariantCulture);
                    records.Add(new SourceRecord(payloads[index], partition, position, null));
                    positions[partition] = position;
                }
            }
        }

        Interlocked.Add(ref _delivered, records.Count);
        if (records.Count == 0)
        {
            await Task.Delay(maxWait, cancellationToken);
        }

        return new SourceBatch(records, new SourceCheckpoint(positions));
    }

    public ValueTask CommitAsync(SourceCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (FailCommits > 0)
        {
            FailCommits--;
            throw new IOException("Injected commit failure.");
        }

        _onCommit?.Invoke(checkpoint);
        lock (_log)
        {
            foreach (var (partition, position) in checkpoint.Positions)
            {
                _log.Committed[partition] = int.Parse(position, CultureInfo.InvariantCulture);
            }
        }

        Commits++;
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>The stream's content and its committed checkpoint, which outlive any one reader.</summary>
public sealed class StreamLog
{
    public Dictionary<string, List<byte[]>> Partitions { get; } = new();

    public Dictionary<string, int> Committed { get; } = new();

    public void Append(string partition, byte[] payload)
    {
        lock (this)
        {
            if (!Partitions.TryGetValue(partition, out var list))
            {
                Partitions[partition] = list = [];
            }

            list.Add(payload);
        }
    }

    public int Count
    {
        get
        {
            lock (this)
            {
                return Partitions.Values.Sum(p => p.Count);
            }
        }
    }
}

/// <summary>An in-memory lake with the writer's contract: rows become visible only at a successful flush.</summary>
public sealed class MemoryLakeWriter : ILakeWriter
{
    private readonly List<BronzeRecord> _buffered = [];
    private readonly List<RejectedRecord> _bufferedRejects = [];

    public List<BronzeRecord> Visible { get; } = [];

    public List<RejectedRecord> VisibleRejects { get; } = [];

    /// <summary>Fails the next N flushes (nothing becomes visible, rows stay buffered).</summary>
    public int FailFlushes { get; set; }

    public int DueAtRows { get; set; } = int.MaxValue;

    public bool FlushDue
    {
        get
        {
            lock (this)
            {
                return _buffered.Count + _bufferedRejects.Count >= DueAtRows;
            }
        }
    }

    public ValueTask AppendAsync(IReadOnlyList<BronzeRecord> records, IReadOnlyList<RejectedRecord> rejects, CancellationToken cancellationToken)
    {
        lock (this)
        {
            _buffered.AddRange(records);
            _bufferedRejects.AddRange(rejects);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<LakeCommit> FlushAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (this)
        {
            if (FailFlushes > 0)
            {
                FailFlushes--;
                throw new IOException("Injected flush failure.");
            }

            var commit = new LakeCommit(["memory"], _buffered.Count, _bufferedRejects.Count);
            Visible.AddRange(_buffered);
            VisibleRejects.AddRange(_bufferedRejects);
            _buffered.Clear();
            _bufferedRejects.Clear();
            return ValueTask.FromResult(commit);
        }
    }

    /// <summary>What a process crash does to the buffer: rows not flushed are gone.</summary>
    public void DiscardBuffered()
    {
        lock (this)
        {
            _buffered.Clear();
            _bufferedRejects.Clear();
        }
    }

    public (List<BronzeRecord> Rows, List<RejectedRecord> Rejects) Snapshot()
    {
        lock (this)
        {
            return ([.. Visible], [.. VisibleRejects]);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

public static class StreamEvents
{
    public static TrackingEvent Click(int i) => new()
    {
        EventId = Guid.CreateVersion7(),
        Kind = EventKind.Click,
        OccurredAt = DateTimeOffset.UtcNow.AddMinutes(-5),
        ReceivedAt = DateTimeOffset.UtcNow.AddMinutes(-5),
        ClickId = "c" + i.ToString(CultureInfo.InvariantCulture),
        OfferId = "o1",
        AffiliateId = "a1",
    };

    public static byte[] Payload(TrackingEvent e) => TrackingEventSerializer.SerializeToUtf8Bytes(e);

    public static async Task Eventually(Func<bool> condition, string what, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting until {what}.");
            }

            await Task.Delay(10);
        }
    }
}
