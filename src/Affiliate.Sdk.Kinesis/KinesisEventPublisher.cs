using System.Text;
using System.Threading.Channels;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.Json;
using Affiliate.Sdk.Pipeline;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Affiliate.Sdk.Kinesis;

/// <summary>
/// Publishes events to Kinesis in batched PutRecords calls. Events wait up to <see cref="KinesisOptions.Linger"/> to
/// share a call; with aggregation (default) the events bound for one shard are packed into KPL aggregates whose explicit
/// hash key lies in that shard's range, so the KCL never drops them. Only failed entries are retried, with exponential
/// back-off and full jitter, until <see cref="KinesisOptions.RecordTtl"/>; a call completes when every event in it is
/// acknowledged, or throws <see cref="PublishException"/> for the events that were not.
/// </summary>
internal sealed class KinesisEventPublisher : IEventPublisher, IAsyncDisposable
{
    private readonly IKinesisClient _client;
    private readonly KinesisOptions _options;
    private readonly ILogger _logger;
    private readonly KinesisMetrics? _metrics;
    private readonly TimeProvider _time;
    private readonly Channel<Pending> _queue;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;
    private ShardMap? _shards;
    private long _shardsLoadedAt;
    private bool _shardsStale;
    private long _calls;
    private long _records;
    private long _events;
    private int _disposed;

    public KinesisEventPublisher(IKinesisClient client, KinesisOptions options, ILogger? logger = null, KinesisMetrics? metrics = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        _client = client;
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        _metrics = metrics;
        _time = time ?? TimeProvider.System;
        _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(options.MaxBufferedEvents)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Successful PutRecords calls so far (for benchmarks and tests).</summary>
    public long Calls => Interlocked.Read(ref _calls);

    /// <summary>Kinesis records written so far.</summary>
    public long Records => Interlocked.Read(ref _records);

    /// <summary>Events acknowledged so far.</summary>
    public long Events => Interlocked.Read(ref _events);

    public ValueTask PublishAsync(TrackingEvent trackingEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(trackingEvent);
        return PublishBatchAsync([trackingEvent], cancellationToken);
    }

    public async ValueTask PublishBatchAsync(IReadOnlyList<TrackingEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            return;
        }

        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var completion = new Completion(events.Count);
        var enqueuedAt = _time.GetTimestamp();
        var all = new Pending[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i] ?? throw new ArgumentException($"Event {i} of the batch is null.", nameof(events));
            var key = KinesisPartitionKey.For(e);
            all[i] = new Pending(TrackingEventSerializer.SerializeToUtf8Bytes(e), key, Encoding.UTF8.GetByteCount(key), HashKeys.Of(key), completion, enqueuedAt);
            if (all[i].Data.Length + all[i].KeyBytes > _options.MaxRecordBytes)
            {
                // Checked before anything is queued: a batch that throws publishes nothing.
                throw new ArgumentException($"Event {e.EventId} is {all[i].Data.Length + all[i].KeyBytes} bytes with its partition key, over {KinesisOptions.SectionName}:MaxRecordBytes ({_options.MaxRecordBytes}).", nameof(events));
            }
        }

        foreach (var pending in all)
        {
            try
            {
                await _queue.Writer.WriteAsync(pending, cancellationToken).ConfigureAwait(false);
            }
            catch (ChannelClosedException e2)
            {
                throw new PublishException("The Kinesis publisher is stopping; the events were not published.", e2);
            }
        }

        await completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _queue.Writer.TryComplete();
        try
        {
            // Drain what was accepted; RecordTtl bounds how long.
            await _loop.ConfigureAwait(false);
        }
        finally
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
            _stopping.Dispose();
        }
    }

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<Pending>();
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            if (_options.Linger > TimeSpan.Zero && reader.Count < _options.MaxRecordsPerCall && !reader.Completion.IsCompleted)
            {
                await Task.Delay(_options.Linger, _time).ConfigureAwait(false);
            }

            batch.Clear();
            long bytes = 0;
            // One round carries about one call's worth: 90% of 5 MiB of events when aggregated (the rest is the
            // aggregates' own overhead), or 500 records without aggregation.
            var budget = _options.Aggregation ? _options.MaxBytesPerCall / 10 * 9 : _options.MaxBytesPerCall;
            while (bytes < budget && (_options.Aggregation || batch.Count < _options.MaxRecordsPerCall) && reader.TryRead(out var pending))
            {
                batch.Add(pending);
                bytes += pending.Data.Length + pending.KeyBytes;
            }

            try
            {
                await SendAsync(batch).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // Never let the loop die: fail what this round carried and keep serving.
                foreach (var p in batch)
                {
                    p.Completion.Fail(e as PublishException ?? new PublishException($"Publishing to Kinesis stream '{_options.StreamName}' failed: {e.Message}", e));
                }
            }
        }
    }

    private async Task SendAsync(List<Pending> batch)
    {
        var map = await GetShardMapAsync().ConfigureAwait(false);
        var queues = BuildRecords(batch, map);
        var attempt = 0;
        var deadline = batch.Min(p => p.EnqueuedAt);
        while (queues.Count > 0)
        {
            var round = TakeRound(queues);
            var failures = 0;
            string? failureCode = null;
            foreach (var call in SplitIntoCalls(round))
            {
                var entries = new KinesisPutRecordsEntry[call.Count];
                for (var i = 0; i < entries.Length; i++)
                {
                    entries[i] = call[i].Entry;
                }

                KinesisPutRecordsResult result;
                try
                {
                    result = await _client.PutRecordsAsync(_options.StreamName, entries, _stopping.Token).ConfigureAwait(false);
                }
                catch (KinesisException e) when (e.IsRetryable)
                {
                    _metrics?.Call("error");
                    failures += call.Count;
                    failureCode = e.ErrorType ?? "Unreachable";
                    ReQueue(queues, call);
                    continue;
                }
                catch (KinesisException e)
                {
                    _metrics?.Call("error");
                    Fail(call, $"Kinesis refused the call: {e.Message}", e);
                    continue;
                }

                _metrics?.Call(result.FailedRecordCount > 0 ? "partial" : "ok");
                var acknowledged = 0;
                var failed = new List<Outgoing>();
                for (var i = 0; i < call.Count; i++)
                {
                    var entry = result.Records[i];
                    if (entry.ErrorCode is null)
                    {
                        var outgoing = call[i];
                        if (outgoing.Aggregated && entry.ShardId is { } landed && !string.Equals(landed, map.ShardId(outgoing.ShardIndex), StringComparison.Ordinal) && !_shardsStale)
                        {
                            _shardsStale = true;
                            var expected = map.ShardId(outgoing.ShardIndex);
                            KinesisLog.StaleShardMap(_logger, _options.StreamName, expected, landed);
                        }

                        acknowledged += outgoing.Events.Count;
                        foreach (var p in outgoing.Events)
                        {
                            p.Completion.Succeed();
                        }

                        _metrics?.Records(1, outgoing.Aggregated);
                    }
                    else
                    {
                        failed.Add(call[i]);
                        failureCode = entry.ErrorCode;
                    }
                }

                Interlocked.Increment(ref _calls);
                Interlocked.Add(ref _records, call.Count - failed.Count);
                Interlocked.Add(ref _events, acknowledged);
                _metrics?.Acknowledged(acknowledged, 1, acknowledged);
                if (failed.Count > 0)
                {
                    failures += failed.Count;
                    _metrics?.FailedEntries(failureCode ?? "Unknown", failed.Count);
                    ReQueue(queues, failed);
                }
            }

            if (failures == 0)
            {
                attempt = 0;
                continue;
            }

            if (_time.GetElapsedTime(deadline) >= _options.RecordTtl)
            {
                var left = queues.Values.SelectMany(q => q).ToList();
                Fail(left, $"entries still failing ({failureCode}) after {KinesisOptions.SectionName}:RecordTtl ({_options.RecordTtl})", null);
                return;
            }

            var delay = Backoff(++attempt);
            KinesisLog.PartialFailure(_logger, _options.StreamName, failures, failureCode ?? "Unknown", delay);
            await Task.Delay(delay, _time).ConfigureAwait(false);
            if (_shardsStale)
            {
                // Records already formed keep their shard; a fresh map only helps later batches.
                map = await GetShardMapAsync().ConfigureAwait(false);
            }
        }
    }

    private void Fail(IEnumerable<Outgoing> records, string reason, Exception? cause)
    {
        var count = 0;
        foreach (var outgoing in records)
        {
            foreach (var p in outgoing.Events)
            {
                p.Completion.Fail(cause is null ? new PublishException($"Kinesis stream '{_options.StreamName}': {reason}.") : new PublishException($"Kinesis stream '{_options.StreamName}': {reason}", cause));
                count++;
            }
        }

        _metrics?.FailedEvents(count);
        KinesisLog.GaveUp(_logger, count, _options.StreamName, reason);
    }

    /// <summary>Full-jitter exponential back-off: uniform in [0, min(max, base · 2^attempt)].</summary>
    private TimeSpan Backoff(int attempt)
    {
        var cap = Math.Min(_options.RetryMaxDelay.TotalMilliseconds, _options.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 20)));
        return TimeSpan.FromMilliseconds(Math.Max(1, Random.Shared.NextDouble() * cap));
    }

    /// <summary>Per shard, in event order: aggregates (or single records) that each fit in one Kinesis record.</summary>
    internal SortedDictionary<int, LinkedList<Outgoing>> BuildRecords(List<Pending> batch, ShardMap map)
    {
        var queues = new SortedDictionary<int, LinkedList<Outgoing>>();
        if (!_options.Aggregation)
        {
            foreach (var p in batch)
            {
                var shard = map.IndexOf(p.HashKey);
                Queue(queues, shard).AddLast(Outgoing.Single(p, shard));
            }

            return queues;
        }

        var open = new Dictionary<int, AggregateBuilder>();
        foreach (var p in batch)
        {
            var shard = map.IndexOf(p.HashKey);
            if (!open.TryGetValue(shard, out var builder))
            {
                builder = new AggregateBuilder(_options.AggregationMaxBytes);
                open.Add(shard, builder);
            }

            if (builder.TryAdd(p))
            {
                continue;
            }

            if (builder.Count > 0)
            {
                Queue(queues, shard).AddLast(builder.Build(map, shard));
                builder.Reset();
            }

            if (!builder.TryAdd(p))
            {
                // Too big to aggregate at all (but within MaxRecordBytes): goes on its own.
                Queue(queues, shard).AddLast(Outgoing.Single(p, shard));
            }
        }

        foreach (var (shard, builder) in open)
        {
            if (builder.Count > 0)
            {
                Queue(queues, shard).AddLast(builder.Build(map, shard));
            }
        }

        return queues;
    }

    private static LinkedList<Outgoing> Queue(SortedDictionary<int, LinkedList<Outgoing>> queues, int shard)
    {
        if (!queues.TryGetValue(shard, out var queue))
        {
            queue = new LinkedList<Outgoing>();
            queues.Add(shard, queue);
        }

        return queue;
    }

    /// <summary>The records to send now: all of them, or with ordering on only the head record of each shard.</summary>
    private List<Outgoing> TakeRound(SortedDictionary<int, LinkedList<Outgoing>> queues)
    {
        var round = new List<Outgoing>();
        foreach (var (shard, queue) in queues.ToArray())
        {
            if (_options.PreserveOrderPerPartitionKey)
            {
                round.Add(queue.First!.Value);
                queue.RemoveFirst();
            }
            else
            {
                round.AddRange(queue);
                queue.Clear();
            }

            if (queue.Count == 0)
            {
                queues.Remove(shard);
            }
        }

        return round;
    }

    private static void ReQueue(SortedDictionary<int, LinkedList<Outgoing>> queues, List<Outgoing> failed)
    {
        // Back to the front of their shard's queue, in their original order.
        for (var i = failed.Count - 1; i >= 0; i--)
        {
            Queue(queues, failed[i].ShardIndex).AddFirst(failed[i]);
        }
    }

    /// <summary>Splits records into calls within the per-call record and byte limits.</summary>
    private IEnumerable<List<Outgoing>> SplitIntoCalls(List<Outgoing> records)
    {
        var call = new List<Outgoing>();
        long bytes = 0;
        foreach (var r in records)
        {
            if (call.Count > 0 && (call.Count >= _options.MaxRecordsPerCall || bytes + r.Bytes > _options.MaxBytesPerCall))
            {
                yield return call;
                call = [];
                bytes = 0;
            }

            call.Add(r);
            bytes += r.Bytes;
        }

        if (call.Count > 0)
        {
            yield return call;
        }
    }

    private async ValueTask<ShardMap> GetShardMapAsync()
    {
        if (_shards is null || _shardsStale || _time.GetElapsedTime(_shardsLoadedAt) >= _options.ShardRefreshInterval)
        {
            var attempt = 0;
            while (true)
            {
                try
                {
                    _shards = new ShardMap(await _client.ListShardsAsync(_options.StreamName, _stopping.Token).ConfigureAwait(false));
                    _shardsLoadedAt = _time.GetTimestamp();
                    _shardsStale = false;
                    break;
                }
                catch (KinesisException e) when (e.IsRetryable && _shards is null && attempt < 3)
                {
                    var delay = Backoff(++attempt);
                    KinesisLog.CallFailed(_logger, e, _options.StreamName, delay);
                    await Task.Delay(delay, _time).ConfigureAwait(false);
                }
                catch (KinesisException e) when (_shards is not null)
                {
                    // Keep routing with the old map: Kinesis still routes by hash key, only aggregation quality suffers.
                    KinesisLog.CallFailed(_logger, e, _options.StreamName, TimeSpan.Zero);
                    _shardsLoadedAt = _time.GetTimestamp();
                    break;
                }
            }
        }

        return _shards!;
    }

    /// <summary>One event waiting to be published.</summary>
    internal sealed record Pending(byte[] Data, string PartitionKey, int KeyBytes, UInt128 HashKey, Completion Completion, long EnqueuedAt);

    /// <summary>One Kinesis record to put and the events it carries.</summary>
    internal sealed record Outgoing(KinesisPutRecordsEntry Entry, List<Pending> Events, int ShardIndex, int Bytes, bool Aggregated)
    {
        public static Outgoing Single(Pending p, int shard) =>
            new(new KinesisPutRecordsEntry(p.Data, p.PartitionKey), [p], shard, p.Data.Length + p.KeyBytes, Aggregated: false);
    }

    /// <summary>Accumulates events for one shard while the encoded aggregate plus its partition key fits the size limit.</summary>
    internal sealed class AggregateBuilder(int maxBytes)
    {
        private readonly List<Pending> _events = [];
        private readonly Dictionary<string, int> _keys = new(StringComparer.Ordinal);
        private int _protobufBytes;

        public int Count => _events.Count;

        public bool TryAdd(Pending p)
        {
            var known = _keys.TryGetValue(p.PartitionKey, out var index);
            if (!known)
            {
                index = _keys.Count;
            }

            var added = KplAggregation.RecordSize(index, p.Data.Length, known ? 0 : p.KeyBytes);
            // The outer record's partition key is the first event's; it counts toward the record limit.
            var outerKeyBytes = _events.Count == 0 ? p.KeyBytes : _events[0].KeyBytes;
            if (KplAggregation.Overhead + _protobufBytes + added + outerKeyBytes > maxBytes)
            {
                return false;
            }

            if (!known)
            {
                _keys.Add(p.PartitionKey, index);
            }

            _protobufBytes += added;
            _events.Add(p);
            return true;
        }

        public Outgoing Build(ShardMap map, int shard)
        {
            var events = new List<Pending>(_events);
            if (events.Count == 1)
            {
                return Outgoing.Single(events[0], shard);
            }

            var records = new UserRecord[events.Count];
            for (var i = 0; i < records.Length; i++)
            {
                records[i] = new UserRecord(events[i].PartitionKey, events[i].Data);
            }

            var data = KplAggregation.Encode(records);
            var entry = new KinesisPutRecordsEntry(data, events[0].PartitionKey, map.ExplicitHashKey(shard));
            return new Outgoing(entry, events, shard, data.Length + events[0].KeyBytes, Aggregated: true);
        }

        public void Reset()
        {
            _events.Clear();
            _keys.Clear();
            _protobufBytes = 0;
        }
    }

    /// <summary>Completes a publish call once all its events are acknowledged, or fails it on the first failure.</summary>
    internal sealed class Completion(int count)
    {
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _remaining = count;

        public Task Task => _done.Task;

        public void Succeed()
        {
            if (Interlocked.Decrement(ref _remaining) == 0)
            {
                _done.TrySetResult();
            }
        }

        public void Fail(PublishException exception) => _done.TrySetException(exception);
    }
}
