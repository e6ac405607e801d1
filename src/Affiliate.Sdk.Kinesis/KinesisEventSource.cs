using System.Globalization;
using Affiliate.Sdk.Pipeline;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Affiliate.Sdk.Kinesis;

/// <summary>
/// Reads a Kinesis stream for stream → lake. It lists shards and follows resharding (a child shard starts only once its
/// parents are read and committed to their end), holds a lease per shard in the <see cref="IKinesisCheckpointStore"/>
/// so two workers never read one shard at once, reads with GetShardIterator/GetRecords within the per-shard call rate,
/// de-aggregates KPL records, and writes checkpoints only in <see cref="CommitAsync"/> (after the lake commit).
/// Positions are <c>sequenceNumber:subSequence</c>.
/// </summary>
internal sealed class KinesisEventSource : IEventSource
{
    private readonly IKinesisClient _client;
    private readonly IKinesisCheckpointStore _store;
    private readonly KinesisOptions _options;
    private readonly ILogger _logger;
    private readonly KinesisMetrics? _metrics;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, ShardReader> _owned = new(StringComparer.Ordinal);
    private IReadOnlyList<KinesisShard> _shards = [];
    private long _shardsAt = Never;
    private long _leasesAt = Never;
    private int _cursor;
    private bool _disposed;

    public KinesisEventSource(IKinesisClient client, IKinesisCheckpointStore store, KinesisOptions options, ILogger? logger = null, KinesisMetrics? metrics = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        _client = client;
        _store = store;
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        _metrics = metrics;
        _time = time ?? TimeProvider.System;
        var generated = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}";
        WorkerId = options.WorkerId ?? generated[..Math.Min(128, generated.Length)];
    }

    public string Name => "kinesis:" + _options.StreamName;

    /// <summary>This worker's lease owner name.</summary>
    public string WorkerId { get; }

    /// <summary>The shards this worker holds leases on (for tests and health).</summary>
    public IReadOnlyCollection<string> OwnedShards
    {
        get
        {
            lock (_owned)
            {
                return _owned.Keys.ToArray();
            }
        }
    }

    public async ValueTask<SourceBatch> ReadAsync(int maxRecords, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxRecords);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxWait, TimeSpan.Zero);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var started = _time.GetTimestamp();
            var records = new List<SourceRecord>();
            var positions = new Dictionary<string, string>(StringComparer.Ordinal);
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (Due(_leasesAt, LeaseCheckInterval))
                {
                    await MaintainLeasesAsync(cancellationToken).ConfigureAwait(false);
                }

                var readers = Readers();
                var nextRead = TimeSpan.MaxValue;
                for (var n = 0; n < readers.Length && records.Count < maxRecords; n++)
                {
                    var reader = readers[(_cursor + n) % readers.Length];
                    if (reader.Buffer.Count == 0 && !reader.Ended && !reader.HandingOver)
                    {
                        var wait = reader.LastReadAt == Never ? TimeSpan.Zero : _options.ReadInterval - _time.GetElapsedTime(reader.LastReadAt);
                        if (wait > TimeSpan.Zero || _time.GetUtcNow() < reader.BackoffUntil)
                        {
                            nextRead = TimeSpan.FromTicks(Math.Min(nextRead.Ticks, Math.Max(wait.Ticks, (reader.BackoffUntil - _time.GetUtcNow()).Ticks)));
                            continue;
                        }

                        await FetchAsync(reader, cancellationToken).ConfigureAwait(false);
                    }

                    while (reader.Buffer.Count > 0 && records.Count < maxRecords && !reader.HandingOver)
                    {
                        var item = reader.Buffer.Dequeue();
                        records.Add(item.Record);
                        positions[reader.ShardId] = item.CheckpointValue;
                        reader.LastReturned = item.CheckpointValue;
                    }
                }

                _cursor++;
                if (records.Count > 0)
                {
                    _metrics?.Read(records.Count);
                    return new SourceBatch(records, new SourceCheckpoint(positions));
                }

                await FinishEndedShardsAsync(readers, cancellationToken).ConfigureAwait(false);
                var remaining = maxWait - _time.GetElapsedTime(started);
                if (remaining <= TimeSpan.Zero)
                {
                    return new SourceBatch([], SourceCheckpoint.Empty);
                }

                var pause = readers.Length == 0 || nextRead == TimeSpan.MaxValue ? _options.ReadInterval : nextRead;
                pause = TimeSpan.FromTicks(Math.Min(Math.Max(pause.Ticks, TimeSpan.FromMilliseconds(5).Ticks), remaining.Ticks));
                await Task.Delay(pause, _time, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask CommitAsync(SourceCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        if (checkpoint.Positions.Count == 0)
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            foreach (var (shardId, value) in checkpoint.Positions)
            {
                var position = ParseCheckpoint(value);
                ShardReader? reader;
                lock (_owned)
                {
                    _owned.TryGetValue(shardId, out reader);
                }

                if (reader is null)
                {
                    _metrics?.Commit("lease_lost", 1);
                    KinesisLog.CommitLeaseLost(_logger, WorkerId, _options.StreamName, shardId);
                    continue;
                }

                var ended = reader.Ended && reader.Buffer.Count == 0 && string.Equals(reader.LastReturned, value, StringComparison.Ordinal);
                var written = await UpdateLeaseAsync(reader, l => l with
                {
                    Checkpoint = position,
                    ShardEnded = ended,
                    Owner = ended ? null : l.Owner,
                    ExpiresAt = ended ? _time.GetUtcNow() : _time.GetUtcNow() + _options.LeaseDuration,
                }, cancellationToken).ConfigureAwait(false);
                if (!written)
                {
                    _metrics?.Commit("lease_lost", 1);
                    KinesisLog.CommitLeaseLost(_logger, WorkerId, _options.StreamName, shardId);
                    Drop(shardId, "lost");
                    continue;
                }

                _metrics?.Commit("ok", 1);
                reader.Committed = value;
                if (ended)
                {
                    KinesisLog.ShardEnded(_logger, _options.StreamName, shardId);
                    Drop(shardId, "finished");
                    _shardsAt = Never;
                    _leasesAt = Never;
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;

            // Hand the shards back so another worker can start at once from the last checkpoint.
            foreach (var reader in Readers())
            {
                try
                {
                    await UpdateLeaseAsync(reader, l => l with { Owner = null, ExpiresAt = _time.GetUtcNow() }, CancellationToken.None).ConfigureAwait(false);
                    _metrics?.Lease("released");
                }
                catch (Exception e) when (e is IOException or KinesisException or UnauthorizedAccessException)
                {
                    // The lease lapses on its own.
                }
            }

            lock (_owned)
            {
                _owned.Clear();
            }
        }
        finally
        {
            _gate.Release();
            _gate.Dispose();
        }
    }

    private const long Never = long.MinValue;

    private bool Due(long at, TimeSpan interval) => at == Never || _time.GetElapsedTime(at) >= interval;

    private TimeSpan LeaseCheckInterval => TimeSpan.FromTicks(Math.Min(_options.LeaseDuration.Ticks / 3, _options.ShardRefreshInterval.Ticks));

    private ShardReader[] Readers()
    {
        lock (_owned)
        {
            return _owned.Values.OrderBy(r => r.ShardId, StringComparer.Ordinal).ToArray();
        }
    }

    /// <summary>Renews held leases, hands over requested ones, takes free or lapsed ones up to a fair share, and asks for one more when short.</summary>
    private async Task MaintainLeasesAsync(CancellationToken cancellationToken)
    {
        if (Due(_shardsAt, _options.ShardRefreshInterval))
        {
            _shards = await _client.ListShardsAsync(_options.StreamName, cancellationToken).ConfigureAwait(false);
            _shardsAt = _time.GetTimestamp();
        }

        var now = _time.GetUtcNow();
        var leases = (await _store.ListAsync(_options.StreamName, cancellationToken).ConfigureAwait(false)).ToDictionary(l => l.ShardId, StringComparer.Ordinal);

        // 1. Held leases: lost, handed over, or renewed.
        foreach (var reader in Readers())
        {
            if (!leases.TryGetValue(reader.ShardId, out var stored) || !string.Equals(stored.Owner, WorkerId, StringComparison.Ordinal) || stored.ShardEnded)
            {
                Drop(reader.ShardId, "lost");
                continue;
            }

            reader.Lease = stored;
            reader.HandingOver = stored.PendingOwner is { } next && !string.Equals(next, WorkerId, StringComparison.Ordinal);
            if (reader.HandingOver)
            {
                // Hand over only when everything returned from the shard is committed: the new owner starts after it.
                if (string.Equals(reader.LastReturned, reader.Committed, StringComparison.Ordinal))
                {
                    var successor = stored.PendingOwner!;
                    if (await UpdateLeaseAsync(reader, l => l with { Owner = successor, PendingOwner = null, ExpiresAt = now + _options.LeaseDuration }, cancellationToken).ConfigureAwait(false))
                    {
                        Drop(reader.ShardId, "handed over");
                        leases[reader.ShardId] = reader.Lease;
                    }

                    continue;
                }
            }

            if (await UpdateLeaseAsync(reader, l => l with { ExpiresAt = now + _options.LeaseDuration }, cancellationToken).ConfigureAwait(false))
            {
                leases[reader.ShardId] = reader.Lease;
            }
        }

        // 2. Which shards may be read now: not finished, and every parent finished (or trimmed away).
        var known = _shards.ToDictionary(s => s.ShardId, StringComparer.Ordinal);
        var ready = new List<KinesisShard>();
        foreach (var shard in _shards)
        {
            if (leases.TryGetValue(shard.ShardId, out var l) && l.ShardEnded)
            {
                continue;
            }

            if (ParentDone(shard.ParentShardId) && ParentDone(shard.AdjacentParentShardId))
            {
                ready.Add(shard);
            }
        }

        bool ParentDone(string? parent) =>
            parent is null || !known.ContainsKey(parent) || (leases.TryGetValue(parent, out var pl) && pl.ShardEnded);

        // 3. A fair share: ready shards over the workers seen holding or asking for leases.
        var workers = new HashSet<string>(StringComparer.Ordinal) { WorkerId };
        foreach (var l in leases.Values)
        {
            if (l.Owner is { } o && l.ExpiresAt > now && !l.ShardEnded)
            {
                workers.Add(o);
            }

            if (l.PendingOwner is { } p)
            {
                workers.Add(p);
            }
        }

        var target = (ready.Count + workers.Count - 1) / workers.Count;

        // Leases already ours (handed over to us, or held by this worker id before a restart) are adopted first.
        foreach (var shard in ready)
        {
            if (leases.TryGetValue(shard.ShardId, out var handed) && string.Equals(handed.Owner, WorkerId, StringComparison.Ordinal) && !IsOwned(shard.ShardId))
            {
                var adopted = handed with { ExpiresAt = now + _options.LeaseDuration, Version = handed.Version + 1 };
                if (await _store.TryWriteAsync(_options.StreamName, adopted, cancellationToken).ConfigureAwait(false))
                {
                    Own(new ShardReader(shard.ShardId, adopted), "took (handed over)");
                    leases[shard.ShardId] = adopted;
                }
            }
        }

        var mine = Readers().Length;
        foreach (var shard in ready)
        {
            if (mine >= target)
            {
                break;
            }

            leases.TryGetValue(shard.ShardId, out var current);
            var free = current is null || current.Owner is null || current.ExpiresAt <= now;
            if (!free || IsOwned(shard.ShardId))
            {
                continue;
            }

            var taken = (current ?? new KinesisShardLease(shard.ShardId, null, now, null, null, false, 0)) with
            {
                Owner = WorkerId,
                PendingOwner = null,
                ExpiresAt = now + _options.LeaseDuration,
                Version = (current?.Version ?? 0) + 1,
            };
            if (await _store.TryWriteAsync(_options.StreamName, taken, cancellationToken).ConfigureAwait(false))
            {
                Own(new ShardReader(shard.ShardId, taken), current?.Owner is null ? "took" : "took over (lapsed)");
                leases[shard.ShardId] = taken;
                mine++;
            }
        }

        // 4. Still short: ask the busiest worker above its share to hand one shard over after its current batch.
        if (mine < target && !leases.Values.Any(l => string.Equals(l.PendingOwner, WorkerId, StringComparison.Ordinal)))
        {
            var readyIds = ready.Select(s => s.ShardId).ToHashSet(StringComparer.Ordinal);
            var busiest = leases.Values
                .Where(l => l.Owner is { } o && !string.Equals(o, WorkerId, StringComparison.Ordinal) && l.ExpiresAt > now && readyIds.Contains(l.ShardId))
                .GroupBy(l => l.Owner!, StringComparer.Ordinal)
                .Where(g => g.Count() > target)
                .OrderByDescending(g => g.Count())
                .FirstOrDefault();
            if (busiest?.FirstOrDefault(l => l.PendingOwner is null) is { } victim)
            {
                await _store.TryWriteAsync(_options.StreamName, victim with { PendingOwner = WorkerId, Version = victim.Version + 1 }, cancellationToken).ConfigureAwait(false);
            }
        }

        _leasesAt = _time.GetTimestamp();
    }

    private bool IsOwned(string shardId)
    {
        lock (_owned)
        {
            return _owned.ContainsKey(shardId);
        }
    }

    private void Own(ShardReader reader, string change)
    {
        lock (_owned)
        {
            _owned[reader.ShardId] = reader;
        }

        _metrics?.Lease(change);
        KinesisLog.LeaseChanged(_logger, WorkerId, change, _options.StreamName, reader.ShardId);
    }

    private void Drop(string shardId, string change)
    {
        bool removed;
        lock (_owned)
        {
            removed = _owned.Remove(shardId);
        }

        if (removed)
        {
            _metrics?.Lease(change);
            KinesisLog.LeaseChanged(_logger, WorkerId, change, _options.StreamName, shardId);
        }
    }

    /// <summary>Writes a changed copy of the reader's lease (version + 1); on a conflict re-reads it and retries while still ours.</summary>
    private async Task<bool> UpdateLeaseAsync(ShardReader reader, Func<KinesisShardLease, KinesisShardLease> change, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var next = change(reader.Lease) with { Version = reader.Lease.Version + 1 };
            if (await _store.TryWriteAsync(_options.StreamName, next, cancellationToken).ConfigureAwait(false))
            {
                reader.Lease = next;
                return true;
            }

            var stored = (await _store.ListAsync(_options.StreamName, cancellationToken).ConfigureAwait(false)).FirstOrDefault(l => l.ShardId == reader.ShardId);
            if (stored is null || !string.Equals(stored.Owner, WorkerId, StringComparison.Ordinal))
            {
                return false;
            }

            reader.Lease = stored;
        }

        return false;
    }

    /// <summary>Marks shards read to their end (no uncommitted records) as finished, so their children can start.</summary>
    private async Task FinishEndedShardsAsync(ShardReader[] readers, CancellationToken cancellationToken)
    {
        foreach (var reader in readers)
        {
            if (!reader.Ended || reader.Buffer.Count > 0 || !string.Equals(reader.LastReturned, reader.Committed, StringComparison.Ordinal))
            {
                continue;
            }

            if (await UpdateLeaseAsync(reader, l => l with { ShardEnded = true, Owner = null, ExpiresAt = _time.GetUtcNow() }, cancellationToken).ConfigureAwait(false))
            {
                KinesisLog.ShardEnded(_logger, _options.StreamName, reader.ShardId);
                Drop(reader.ShardId, "finished");
                _shardsAt = Never;
                _leasesAt = Never;
            }
        }
    }

    private async Task FetchAsync(ShardReader reader, CancellationToken cancellationToken)
    {
        reader.LastReadAt = _time.GetTimestamp();
        try
        {
            if (reader.Iterator is null)
            {
                var checkpoint = reader.LastFetched ?? reader.Lease.Checkpoint;
                (string type, string? seq) = checkpoint switch
                {
                    null => ("TRIM_HORIZON", null),
                    { RecordComplete: true } => ("AFTER_SEQUENCE_NUMBER", checkpoint.SequenceNumber),
                    _ => ("AT_SEQUENCE_NUMBER", checkpoint.SequenceNumber),
                };
                reader.SkipThrough = checkpoint is { RecordComplete: false } ? checkpoint : null;
                reader.Iterator = await _client.GetShardIteratorAsync(_options.StreamName, reader.ShardId, type, seq, cancellationToken).ConfigureAwait(false);
            }

            var result = await _client.GetRecordsAsync(reader.Iterator, _options.MaxRecordsPerRead, cancellationToken).ConfigureAwait(false);
            reader.Iterator = result.NextShardIterator;
            reader.Ended = result.NextShardIterator is null;
            foreach (var record in result.Records)
            {
                Unpack(reader, record);
                reader.LastFetched = new KinesisShardCheckpoint(record.SequenceNumber, 0, RecordComplete: true);
            }
        }
        catch (KinesisException e) when (e.IsRetryable || e.ErrorType is "ExpiredIteratorException")
        {
            KinesisLog.ReadFailed(_logger, e, _options.StreamName, reader.ShardId);
            reader.Iterator = null;
            reader.BackoffUntil = _time.GetUtcNow() + (e.IsThrottling ? TimeSpan.FromSeconds(1) : _options.ReadInterval);
        }
    }

    private void Unpack(ShardReader reader, KinesisRecord record)
    {
        var skip = reader.SkipThrough is { } s && s.SequenceNumber == record.SequenceNumber ? s.SubSequenceNumber : -1;
        reader.SkipThrough = null;
        if (KplAggregation.TryDecode(record.Data, out var users))
        {
            for (var i = 0; i < users.Count; i++)
            {
                if (i <= skip)
                {
                    continue;
                }

                var position = Position(record.SequenceNumber, i);
                reader.Buffer.Enqueue(new Buffered(
                    new SourceRecord(users[i].Data, reader.ShardId, position, record.ApproximateArrivalTimestamp),
                    i == users.Count - 1 ? position : position + "+"));
            }

            return;
        }

        if (record.Data.Length >= KplAggregation.MagicLength && record.Data.Span.StartsWith(KplAggregation.Magic))
        {
            _metrics?.InvalidAggregate();
            KinesisLog.InvalidAggregate(_logger, _options.StreamName, reader.ShardId, record.SequenceNumber);
        }

        if (skip < 0)
        {
            var position = Position(record.SequenceNumber, 0);
            reader.Buffer.Enqueue(new Buffered(new SourceRecord(record.Data, reader.ShardId, position, record.ApproximateArrivalTimestamp), position));
        }
    }

    private static string Position(string sequenceNumber, int subSequence) =>
        string.Create(CultureInfo.InvariantCulture, $"{sequenceNumber}:{subSequence}");

    /// <summary>A checkpoint value is a position, with a trailing <c>+</c> when more user records of that Kinesis record follow.</summary>
    internal static KinesisShardCheckpoint ParseCheckpoint(string value)
    {
        var partial = value.EndsWith('+');
        var text = partial ? value[..^1] : value;
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !long.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var sub))
        {
            throw new ArgumentException($"'{value}' is not a Kinesis checkpoint position (sequenceNumber:subSequence).", nameof(value));
        }

        return new KinesisShardCheckpoint(text[..colon], sub, RecordComplete: !partial);
    }

    private readonly record struct Buffered(SourceRecord Record, string CheckpointValue);

    private sealed class ShardReader(string shardId, KinesisShardLease lease)
    {
        public string ShardId { get; } = shardId;

        public KinesisShardLease Lease { get; set; } = lease;

        public string? Iterator { get; set; }

        public Queue<Buffered> Buffer { get; } = new();

        public long LastReadAt { get; set; } = Never;

        public DateTimeOffset BackoffUntil { get; set; }

        public bool Ended { get; set; }

        public bool HandingOver { get; set; }

        public KinesisShardCheckpoint? LastFetched { get; set; }

        public KinesisShardCheckpoint? SkipThrough { get; set; }

        public string? LastReturned { get; set; }

        public string? Committed { get; set; }
    }
}
