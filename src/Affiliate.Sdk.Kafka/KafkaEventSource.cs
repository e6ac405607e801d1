using System.Globalization;
using System.Diagnostics.Metrics;
using Affiliate.Sdk.Pipeline;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Affiliate.Sdk.Kafka;

/// <summary>
/// Reads a Kafka topic as one member of a consumer group (stream → lake), committing offsets only when asked
/// (<see cref="CommitAsync"/>: offset + 1 of each checkpointed partition, after the lake commit).
/// </summary>
/// <remarks>
/// <para>A dedicated thread polls the consumer into a bounded buffer (<see cref="KafkaOptions.PrefetchRecords"/>;
/// when it is full the thread waits for the reader, and pauses fetching if the reader stalls for seconds, so memory stays
/// bounded and the group membership stays alive).</para>
/// <para>Partition hand-over (cooperative-sticky): when partitions are revoked the source stops returning their
/// records, drops what it buffered of them, and makes the next <see cref="ReadAsync"/> return an empty batch at once
/// so the reader goes idle, flushes the lake and commits. The revocation is held until every record read from those
/// partitions is committed, or <see cref="KafkaOptions.RevocationGracePeriod"/> passes. Checkpoint positions of
/// partitions no longer owned are not committed (the new owner's progress wins); their records are read again by the
/// new owner: duplicates at worst, never loss.</para>
/// <para><see cref="SourceRecord.Partition"/> is <c>topic/partition</c>; <see cref="SourceRecord.Position"/> is the offset.</para>
/// </remarks>
internal sealed class KafkaEventSource : IEventSource
{
    private static readonly TimeSpan PollTimeout = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan PausedPollTimeout = TimeSpan.FromMilliseconds(5);
    private static readonly TimeSpan PauseAfterFull = TimeSpan.FromSeconds(5);
    private const int PollBatch = 1_000;

    private readonly KafkaOptions _options;
    private readonly ConsumerConfig _config;
    private readonly ILogger _logger;
    private readonly KafkaMetrics? _metrics;
    private readonly object _gate = new();
    private readonly Queue<Fetched> _buffer = new();
    private readonly Dictionary<TopicPartition, PartitionState> _owned = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly ManualResetEventSlim _room = new(initialState: false);
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IConsumer<Ignore, byte[]>? _consumer;
    private IDisposable? _lagObservation;
    private TaskCompletionSource? _recordsAvailable;
    private Exception? _failure;
    private int _revoking;
    private int _revocationEpisode;
    private int _flushRequestedEpisode;
    private int _reading;
    private bool _disposing;

    public KafkaEventSource(KafkaOptions options, ILogger? logger = null, KafkaMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _config = KafkaClientConfig.ForConsumer(options);
        _logger = logger ?? NullLogger.Instance;
        _metrics = metrics;
        Name = "kafka:" + options.Topic;
    }

    public string Name { get; }

    /// <summary>The partitions this member owns now, as <c>topic/partition</c>.</summary>
    internal IReadOnlyList<string> OwnedPartitions
    {
        get
        {
            lock (_gate)
            {
                return _owned.Values.Where(s => !s.Revoking).Select(s => s.Name).Order(StringComparer.Ordinal).ToList();
            }
        }
    }

    public async ValueTask<SourceBatch> ReadAsync(int maxRecords, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxRecords);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxWait, TimeSpan.Zero);
        ObjectDisposedException.ThrowIf(_stop.IsCancellationRequested, this);
        if (Interlocked.Exchange(ref _reading, 1) != 0)
        {
            throw new InvalidOperationException($"The Kafka source '{Name}' is already being read; reads must not overlap.");
        }

        try
        {
            EnsureStarted();
            var started = TimeProvider.System.GetTimestamp();
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Task signal;
                lock (_gate)
                {
                    if (_failure is not null)
                    {
                        throw new AffiliateSdkException($"The Kafka source '{Name}' failed: {_failure.Message}", isRetryable: false, _failure);
                    }

                    if (_revoking > 0 && _flushRequestedEpisode != _revocationEpisode)
                    {
                        // Partitions are being handed over: an empty batch makes the reader flush and commit them first.
                        _flushRequestedEpisode = _revocationEpisode;
                        return new SourceBatch([], SourceCheckpoint.Empty);
                    }

                    if (TakeLocked(maxRecords) is { } batch)
                    {
                        return batch;
                    }

                    _recordsAvailable ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    signal = _recordsAvailable.Task;
                }

                var remaining = maxWait - TimeProvider.System.GetElapsedTime(started);
                if (remaining <= TimeSpan.Zero)
                {
                    return new SourceBatch([], SourceCheckpoint.Empty);
                }

                await signal.WaitAsync(remaining, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
        finally
        {
            Volatile.Write(ref _reading, 0);
        }
    }

    public async ValueTask CommitAsync(SourceCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        if (checkpoint.Positions.Count == 0)
        {
            return;
        }

        var offsets = new List<TopicPartitionOffset>(checkpoint.Positions.Count);
        var dropped = 0;
        IConsumer<Ignore, byte[]> consumer;
        lock (_gate)
        {
            consumer = _consumer ?? throw new InvalidOperationException($"The Kafka source '{Name}' has not read anything to commit.");
            foreach (var (partition, position) in checkpoint.Positions)
            {
                var topicPartition = ParsePartition(partition);
                if (!long.TryParse(position, NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
                {
                    throw new ArgumentException($"The checkpoint position '{position}' of partition '{partition}' is not an offset.", nameof(checkpoint));
                }

                if (_owned.ContainsKey(topicPartition))
                {
                    offsets.Add(new TopicPartitionOffset(topicPartition, new Offset(offset + 1)));
                }
                else
                {
                    dropped++;
                }
            }
        }

        if (dropped > 0)
        {
            _metrics?.CommitDropped(dropped);
            KafkaLog.CommitDropped(_logger, _options.Topic, _options.GroupId, dropped);
        }

        if (offsets.Count == 0)
        {
            return;
        }

        try
        {
            // librdkafka's commit is a blocking call; keep it off the caller's thread.
            await Task.Run(() => consumer.Commit(offsets), cancellationToken).ConfigureAwait(false);
        }
        catch (KafkaException ex)
        {
            // Rebalance-time rejections (REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION) pass: the retry either commits or drops revoked partitions.
            throw new AffiliateSdkException($"Committing offsets of '{Name}' (group '{_options.GroupId}') failed: {ex.Error.Reason}", isRetryable: !ex.Error.IsFatal, ex);
        }

        _metrics?.Committed();
        lock (_gate)
        {
            foreach (var committed in offsets)
            {
                if (_owned.TryGetValue(committed.TopicPartition, out var state))
                {
                    state.CommittedNext = Math.Max(state.CommittedNext, committed.Offset.Value);
                }
            }

            Monitor.PulseAll(_gate);
        }
    }

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposing)
            {
                return;
            }

            _disposing = true;
            Monitor.PulseAll(_gate);
        }

        _lagObservation?.Dispose();
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_consumer is not null)
        {
            await _stopped.Task.ConfigureAwait(false);
        }

        _stop.Dispose();
        _room.Dispose();
    }

    internal static TopicPartition ParsePartition(string partition)
    {
        var slash = partition.LastIndexOf('/');
        if (slash <= 0
            || !int.TryParse(partition.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            throw new ArgumentException($"The checkpoint partition '{partition}' is not one of a Kafka source (expected 'topic/partition').", nameof(partition));
        }

        return new TopicPartition(partition[..slash], new Partition(number));
    }

    internal static string FormatPartition(TopicPartition partition) =>
        string.Create(CultureInfo.InvariantCulture, $"{partition.Topic}/{partition.Partition.Value}");

    private SourceBatch? TakeLocked(int maxRecords)
    {
        List<SourceRecord>? records = null;
        Dictionary<string, string>? positions = null;
        while (_buffer.TryDequeue(out var fetched))
        {
            var state = fetched.State;
            if (state.Revoking || !state.Active)
            {
                // Fetched under an assignment that has ended: the partition's owner reads it from the last commit.
                continue;
            }

            var position = fetched.Offset.ToString(CultureInfo.InvariantCulture);
            records ??= new List<SourceRecord>(Math.Min(maxRecords, _buffer.Count + 1));
            positions ??= [];
            records.Add(new SourceRecord(fetched.Value ?? ReadOnlyMemory<byte>.Empty, state.Name, position, fetched.Timestamp));
            positions[state.Name] = position;
            state.LastReturned = fetched.Offset;
            if (state.CommittedNext < 0)
            {
                state.CommittedNext = fetched.Offset;
            }

            if (records.Count == maxRecords)
            {
                break;
            }
        }

        if (records is null)
        {
            return null;
        }

        _room.Set();

        _metrics?.Consumed(records.Count);
        return new SourceBatch(records, new SourceCheckpoint(positions!));
    }

    private void EnsureStarted()
    {
        if (_consumer is not null)
        {
            return;
        }

        IConsumer<Ignore, byte[]> consumer;
        try
        {
            consumer = new ConsumerBuilder<Ignore, byte[]>(_config)
                .SetErrorHandler((_, error) => KafkaLog.ConsumerError(_logger, _options.Topic, _options.GroupId, error.Reason, error.Code.ToString()))
                .SetLogHandler((_, log) => KafkaLog.Librdkafka(_logger, log.Facility, log.Message))
                .SetPartitionsAssignedHandler((_, partitions) => OnAssigned(partitions))
                .SetPartitionsRevokedHandler((_, partitions) => OnRevoked(partitions))
                .SetPartitionsLostHandler((_, partitions) => OnLost(partitions))
                .Build();
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or KafkaException)
        {
            throw new AffiliateSdkException(
                $"The Kafka consumer settings are invalid ({KafkaOptions.SectionName}:Common / :Consumer): {ex.Message}", isRetryable: false, ex);
        }

        lock (_gate)
        {
            _consumer = consumer;
        }

        _lagObservation = _metrics?.ObserveLag(CollectLag);
        var thread = new Thread(() => Poll(consumer))
        {
            IsBackground = true,
            Name = "affiliate-sdk-kafka-poll",
        };
        thread.Start();
    }

    private void Poll(IConsumer<Ignore, byte[]> consumer)
    {
        var paused = false;
        long fullSince = 0;
        var fetched = new List<ConsumeResult<Ignore, byte[]>>(PollBatch);
        try
        {
            consumer.Subscribe(_options.Topic);
            while (!_stop.IsCancellationRequested)
            {
                int buffered;
                lock (_gate)
                {
                    buffered = _buffer.Count;
                    if (buffered >= _options.PrefetchRecords)
                    {
                        // Reset under the lock the reader takes to set it: a reader that makes room after this check still
                        // wakes the wait below (resetting after the check could lose that signal and stall for the timeout).
                        _room.Reset();
                    }
                }

                if (buffered >= _options.PrefetchRecords)
                {
                    // Full: wait for the reader (librdkafka's own bounded prefetch keeps the pipe warm). Only if it stays
                    // full do we pause fetching and go on polling, so rebalances and the poll interval are still served;
                    // pausing drops librdkafka's prefetched messages, so it is not done for a short stall.
                    fullSince = fullSince == 0 ? TimeProvider.System.GetTimestamp() : fullSince;
                    if (!paused && TimeProvider.System.GetElapsedTime(fullSince) < PauseAfterFull)
                    {
                        _room.Wait(PausedPollTimeout * 10, CancellationToken.None);
                        continue;
                    }

                    if (!paused)
                    {
                        consumer.Pause(consumer.Assignment);
                        paused = true;
                    }
                }
                else
                {
                    fullSince = 0;
                    if (paused && buffered <= _options.PrefetchRecords / 2)
                    {
                        consumer.Resume(consumer.Assignment);
                        paused = false;
                    }
                }

                if (!ConsumeSome(consumer, paused ? PausedPollTimeout : PollTimeout, fetched))
                {
                    continue;
                }

                lock (_gate)
                {
                    foreach (var result in fetched)
                    {
                        if (_owned.TryGetValue(result.TopicPartition, out var state) && !state.Revoking)
                        {
                            _buffer.Enqueue(new Fetched(
                                state,
                                result.Offset.Value,
                                result.Message.Value,
                                result.Message.Timestamp.Type == TimestampType.NotAvailable ? null : DateTimeOffset.FromUnixTimeMilliseconds(result.Message.Timestamp.UnixTimestampMs)));
                        }
                    }

                    SignalReadersLocked();
                }

                fetched.Clear();
            }
        }
        catch (Exception ex) when (ex is KafkaException or InvalidOperationException)
        {
            lock (_gate)
            {
                _failure = ex;
                SignalReadersLocked();
            }
        }
        finally
        {
            try
            {
                consumer.Close();
            }
            catch (KafkaException ex)
            {
                KafkaLog.ConsumerError(_logger, _options.Topic, _options.GroupId, ex.Error.Reason, ex.Error.Code.ToString());
            }
            finally
            {
                lock (_gate)
                {
                    foreach (var state in _owned.Values)
                    {
                        state.Active = false;
                    }

                    _owned.Clear();
                    _buffer.Clear();
                    _consumer = null;
                }

                consumer.Dispose();
                _stopped.TrySetResult();
            }
        }
    }

    /// <summary>Waits for one record, then takes what else is already fetched (up to a batch) without waiting.</summary>
    private bool ConsumeSome(IConsumer<Ignore, byte[]> consumer, TimeSpan timeout, List<ConsumeResult<Ignore, byte[]>> fetched)
    {
        try
        {
            var result = consumer.Consume(timeout);
            while (result is not null)
            {
                if (!result.IsPartitionEOF)
                {
                    fetched.Add(result);
                }

                if (fetched.Count >= PollBatch)
                {
                    break;
                }

                result = consumer.Consume(TimeSpan.Zero);
            }
        }
        catch (ConsumeException ex) when (!ex.Error.IsFatal)
        {
            // Records taken before the error are kept; the failed one is fetched again.
            KafkaLog.ConsumerError(_logger, _options.Topic, _options.GroupId, ex.Error.Reason, ex.Error.Code.ToString());
        }

        return fetched.Count > 0;
    }

    private void OnAssigned(List<TopicPartition> partitions)
    {
        lock (_gate)
        {
            foreach (var partition in partitions)
            {
                if (_owned.TryGetValue(partition, out var previous))
                {
                    previous.Active = false;
                }

                _owned[partition] = new PartitionState(partition);
            }
        }

        _metrics?.Rebalanced("assigned", partitions.Count);
        var names = Describe(partitions.Select(FormatPartition));
        KafkaLog.Assigned(_logger, _options.Topic, _options.GroupId, names);
    }

    private void OnRevoked(List<TopicPartitionOffset> partitions)
    {
        var names = Describe(partitions.Select(p => FormatPartition(p.TopicPartition)));
        lock (_gate)
        {
            var revoking = new List<PartitionState>(partitions.Count);
            foreach (var partition in partitions)
            {
                if (_owned.TryGetValue(partition.TopicPartition, out var state))
                {
                    state.Revoking = true;
                    revoking.Add(state);
                }
            }

            var uncommitted = revoking.Count(s => s.HasUncommitted);
            KafkaLog.Revoking(_logger, _options.Topic, _options.GroupId, names, uncommitted);
            if (uncommitted > 0 && !_disposing && _options.RevocationGracePeriod > TimeSpan.Zero)
            {
                _revoking++;
                _revocationEpisode++;
                SignalReadersLocked();
                try
                {
                    var started = TimeProvider.System.GetTimestamp();
                    while (revoking.Any(s => s.HasUncommitted) && !_disposing)
                    {
                        var remaining = _options.RevocationGracePeriod - TimeProvider.System.GetElapsedTime(started);
                        if (remaining <= TimeSpan.Zero)
                        {
                            KafkaLog.RevocationGraceExpired(_logger, _options.Topic, _options.GroupId, names);
                            break;
                        }

                        Monitor.Wait(_gate, remaining);
                    }
                }
                finally
                {
                    _revoking--;
                }
            }

            foreach (var state in revoking)
            {
                state.Active = false;
                _owned.Remove(state.TopicPartition);
            }

            SignalReadersLocked();
        }

        _metrics?.Rebalanced("revoked", partitions.Count);
    }

    private void OnLost(List<TopicPartitionOffset> partitions)
    {
        lock (_gate)
        {
            foreach (var partition in partitions)
            {
                if (_owned.Remove(partition.TopicPartition, out var state))
                {
                    state.Active = false;
                }
            }

            SignalReadersLocked();
        }

        _metrics?.Rebalanced("lost", partitions.Count);
        var names = Describe(partitions.Select(p => FormatPartition(p.TopicPartition)));
        KafkaLog.Lost(_logger, _options.Topic, _options.GroupId, names);
    }

    private void SignalReadersLocked()
    {
        var waiting = _recordsAvailable;
        _recordsAvailable = null;
        waiting?.TrySetResult();
    }

    private void CollectLag(List<Measurement<long>> measurements)
    {
        lock (_gate)
        {
            if (_consumer is not { } consumer || _disposing)
            {
                return;
            }

            foreach (var state in _owned.Values)
            {
                var watermarks = consumer.GetWatermarkOffsets(state.TopicPartition);
                if (watermarks is null || watermarks.High == Offset.Unset)
                {
                    continue;
                }

                var next = state.CommittedNext;
                if (next < 0)
                {
                    var position = consumer.Position(state.TopicPartition);
                    if (position == Offset.Unset)
                    {
                        continue;
                    }

                    next = position.Value;
                }

                measurements.Add(new Measurement<long>(
                    Math.Max(0, watermarks.High.Value - next),
                    new KeyValuePair<string, object?>("topic", state.TopicPartition.Topic),
                    new KeyValuePair<string, object?>("partition", state.TopicPartition.Partition.Value),
                    new KeyValuePair<string, object?>("group", _options.GroupId)));
            }
        }
    }

    private static string Describe(IEnumerable<string> partitions) => string.Join(", ", partitions);

    /// <summary>A record waiting in the buffer, with the assignment it was fetched under.</summary>
    private readonly record struct Fetched(PartitionState State, long Offset, byte[]? Value, DateTimeOffset? Timestamp);

    /// <summary>What this member knows of one partition it owns (guarded by the source's lock).</summary>
    private sealed class PartitionState(TopicPartition topicPartition)
    {
        public TopicPartition TopicPartition { get; } = topicPartition;

        public string Name { get; } = FormatPartition(topicPartition);

        public bool Revoking { get; set; }

        /// <summary>Whether this assignment of the partition is current (false once revoked or lost).</summary>
        public bool Active { get; set; } = true;

        /// <summary>The offset of the last record returned to the reader, or −1.</summary>
        public long LastReturned { get; set; } = -1;

        /// <summary>The next offset to read after the last commit (committed offset), or −1 when not known yet.</summary>
        public long CommittedNext { get; set; } = -1;

        public bool HasUncommitted => LastReturned >= 0 && CommittedNext <= LastReturned;
    }
}
