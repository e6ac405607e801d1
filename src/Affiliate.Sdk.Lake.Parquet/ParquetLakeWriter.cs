using Affiliate.Sdk.Events;
using Affiliate.Sdk.Pipeline;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Affiliate.Sdk.Lake.Parquet;

/// <summary>
/// Writes bronze as Parquet through an <see cref="IBlobStore"/>. Appended rows are buffered per partition
/// (<c>kind/dt/hour</c>, rejects per <c>dt</c>); <see cref="FlushAsync"/> writes each partition's rows as one or more
/// files, each made visible whole by an atomic commit.
/// </summary>
/// <remarks>
/// A flush that fails or is cancelled never leaves a partial file visible: files already committed by it stay (whole,
/// and their rows leave the buffer), every other row stays buffered for the next flush. Since a source checkpoint is
/// committed only after a flush that succeeds, a crash at any point loses nothing and may duplicate rows (silver
/// deduplicates). Disposing discards rows not yet flushed: their checkpoint was never committed, so the source replays them.
/// Calls are serialised; <see cref="FlushDue"/> may be read at any time.
/// </remarks>
public sealed partial class ParquetLakeWriter : ILakeWriter
{
    private const int RowOverheadBytes = 160;
    private readonly IBlobStore _store;
    private readonly ParquetLakeOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Lock _sync = new();
    private readonly Dictionary<string, Buffer<BronzeRecord>> _events = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Buffer<RejectedRecord>> _rejects = new(StringComparer.Ordinal);
    private readonly Dictionary<(EventKind Kind, long Hour), string> _partitionKeys = [];
    private long _bufferedBytes;
    private bool _disposed;

    /// <summary>Creates a writer.</summary>
    /// <param name="store">Where files are committed.</param>
    /// <param name="options">File rolling and row group settings.</param>
    /// <param name="timeProvider">The clock (file names, file age); the system clock when <see langword="null"/>.</param>
    /// <param name="logger">Logs committed files.</param>
    public ParquetLakeWriter(IBlobStore store, ParquetLakeOptions options, TimeProvider? timeProvider = null, ILogger<ParquetLakeWriter>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        var validation = new ParquetLakeOptionsValidator().Validate(null, options);
        if (validation.Failed)
        {
            throw new ArgumentException(validation.FailureMessage, nameof(options));
        }

        _store = store;
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Rows buffered and not yet visible (accepted and rejected).</summary>
    public long BufferedRows
    {
        get
        {
            lock (_sync)
            {
                long n = 0;
                foreach (var b in _events.Values)
                {
                    n += b.Count;
                }

                foreach (var b in _rejects.Values)
                {
                    n += b.Count;
                }

                return n;
            }
        }
    }

    /// <inheritdoc />
    public bool FlushDue
    {
        get
        {
            var now = _time.GetUtcNow();
            lock (_sync)
            {
                if (_bufferedBytes >= _options.MaxBufferedBytes)
                {
                    return true;
                }

                foreach (var b in _events.Values)
                {
                    if (IsDue(b, now))
                    {
                        return true;
                    }
                }

                foreach (var b in _rejects.Values)
                {
                    if (IsDue(b, now))
                    {
                        return true;
                    }
                }

                return false;
            }
        }
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">A record has an undefined kind or status; nothing of the call is buffered.</exception>
    public async ValueTask AppendAsync(IReadOnlyList<BronzeRecord> records, IReadOnlyList<RejectedRecord> rejects, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(rejects);
        foreach (var r in records)
        {
            // Checked up front so that a bad row can never block every later flush.
            if (r?.Event is null || r.Ingestion is null || !Enum.IsDefined(r.Event.Kind) || (r.Event.Status is { } s && !Enum.IsDefined(s)))
            {
                throw new ArgumentException("Every bronze record needs an event with a defined kind (and status, if any) and its ingestion facts.", nameof(records));
            }
        }

        foreach (var r in rejects)
        {
            if (r?.Ingestion is null || r.Reason is null)
            {
                throw new ArgumentException("Every rejected record needs a reason and its ingestion facts.", nameof(rejects));
            }
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var now = _time.GetUtcNow();
            lock (_sync)
            {
                foreach (var r in records)
                {
                    var partition = PartitionKey(r.Event.Kind, r.Event.OccurredAt);
                    if (!_events.TryGetValue(partition, out var buffer))
                    {
                        _events[partition] = buffer = new Buffer<BronzeRecord>(now);
                    }

                    var size = EstimateBytes(r);
                    buffer.Add(r, size);
                    _bufferedBytes += size;
                }

                foreach (var r in rejects)
                {
                    var partition = BronzeLayout.RejectPartition(r.Ingestion.LandedAt);
                    if (!_rejects.TryGetValue(partition, out var buffer))
                    {
                        _rejects[partition] = buffer = new Buffer<RejectedRecord>(now);
                    }

                    var size = RowOverheadBytes + r.Payload.Length + r.Reason.Length;
                    buffer.Add(r, size);
                    _bufferedBytes += size;
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask<LakeCommit> FlushAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            // Partitions are independent files: encode them in parallel. Within a partition, files are committed in order,
            // so a failure leaves that partition's committed prefix consumed and the rest buffered.
            var jobs = new List<Func<CancellationToken, Task>>();
            var files = new List<string>();
            long rows = 0;
            long rejects = 0;
            foreach (var (partition, buffer) in Snapshot(_events))
            {
                jobs.Add(async ct =>
                {
                    while (buffer.Count > 0)
                    {
                        var (count, bytes) = buffer.NextChunk(_options.MaxRowsPerFile, _options.TargetFileBytes);
                        var key = partition + BronzeLayout.NewFileName(_time.GetUtcNow());
                        var start = buffer.Start;
                        await CommitFileAsync(key, count, (stream, c) => BronzeParquet.WriteEventsAsync(stream, buffer.Rows, start, count, _options.RowGroupRows, null, c), ct).ConfigureAwait(false);
                        Consume(_events, partition, buffer, count, bytes);
                        lock (files)
                        {
                            files.Add(key);
                            rows += count;
                        }
                    }
                });
            }

            foreach (var (partition, buffer) in Snapshot(_rejects))
            {
                jobs.Add(async ct =>
                {
                    while (buffer.Count > 0)
                    {
                        var (count, bytes) = buffer.NextChunk(_options.MaxRowsPerFile, _options.TargetFileBytes);
                        var key = partition + BronzeLayout.NewFileName(_time.GetUtcNow());
                        var start = buffer.Start;
                        await CommitFileAsync(key, count, (stream, c) => BronzeParquet.WriteRejectsAsync(stream, buffer.Rows, start, count, c), ct).ConfigureAwait(false);
                        Consume(_rejects, partition, buffer, count, bytes);
                        lock (files)
                        {
                            files.Add(key);
                            rejects += count;
                        }
                    }
                });
            }

            var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.FlushParallelism, CancellationToken = cancellationToken };
            await Parallel.ForEachAsync(jobs, parallel, async (job, ct) => await job(ct).ConfigureAwait(false)).ConfigureAwait(false);
            files.Sort(StringComparer.Ordinal);
            return new LakeCommit(files, rows, rejects);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Discards rows not yet flushed (the source replays them: their checkpoint was never committed).</summary>
    /// <returns>Completes when disposed.</returns>
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
            var pending = BufferedRows;
            if (pending > 0)
            {
                LogDiscarded(_logger, pending);
            }

            lock (_sync)
            {
                _events.Clear();
                _rejects.Clear();
                _bufferedBytes = 0;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The partition folder of an event; cached per kind and hour, as a batch spans few of them.</summary>
    private string PartitionKey(EventKind kind, DateTimeOffset occurredAt)
    {
        var hour = occurredAt.UtcTicks / TimeSpan.TicksPerHour;
        if (!_partitionKeys.TryGetValue((kind, hour), out var key))
        {
            if (_partitionKeys.Count > 10_000)
            {
                _partitionKeys.Clear();
            }

            _partitionKeys[(kind, hour)] = key = BronzeLayout.EventPartition(kind, occurredAt);
        }

        return key;
    }

    internal static long EstimateBytes(BronzeRecord r)
    {
        var e = r.Event;
        return RowOverheadBytes
            + Len(e.ClickId) + Len(e.OfferId) + Len(e.AffiliateId) + Len(e.CampaignId)
            + Len(e.Sub1) + Len(e.Sub2) + Len(e.Sub3) + Len(e.Sub4) + Len(e.Sub5) + Len(e.TransactionId)
            + Len(e.IpHash) + Len(e.UserAgent) + Len(e.Country) + Len(e.Referrer)
            + Len(r.Ingestion.Source) + Len(r.Ingestion.Partition) + Len(r.Ingestion.Position);

        static int Len(string? s) => s?.Length ?? 0;
    }

    private async Task CommitFileAsync(string key, int rows, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        var upload = await _store.StartUploadAsync(key, cancellationToken).ConfigureAwait(false);
        await using (upload.ConfigureAwait(false))
        {
            if (upload.Content is { CanSeek: true, CanRead: true })
            {
                await write(upload.Content, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                // The footer is patched after it is written (seek and read back); stores with forward-only uploads get a buffered copy.
                using var buffer = new MemoryStream();
                await write(buffer, cancellationToken).ConfigureAwait(false);
                buffer.Position = 0;
                await buffer.CopyToAsync(upload.Content, cancellationToken).ConfigureAwait(false);
            }

            var item = await upload.CommitAsync(cancellationToken).ConfigureAwait(false);
            LogCommitted(_logger, key, rows, item.Size);
        }
    }

    private List<KeyValuePair<string, Buffer<T>>> Snapshot<T>(Dictionary<string, Buffer<T>> buffers)
    {
        lock (_sync)
        {
            var list = buffers.ToList();
            list.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
            return list;
        }
    }

    private void Consume<T>(Dictionary<string, Buffer<T>> buffers, string partition, Buffer<T> buffer, int count, long bytes)
    {
        lock (_sync)
        {
            buffer.Consume(count, bytes);
            _bufferedBytes -= bytes;
            if (buffer.Count == 0)
            {
                buffers.Remove(partition);
            }
        }
    }

    private bool IsDue<T>(Buffer<T> b, DateTimeOffset now) =>
        b.Count >= _options.MaxRowsPerFile || b.Bytes >= _options.TargetFileBytes || now - b.OpenedAt >= _options.MaxFileAge;

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Committed lake file {Key}: {Rows} rows, {Bytes} bytes")]
    private static partial void LogCommitted(ILogger logger, string key, int rows, long bytes);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Lake writer disposed with {Rows} unflushed rows; the source replays them from its last checkpoint")]
    private static partial void LogDiscarded(ILogger logger, long rows);

    /// <summary>The rows of one partition not yet committed; committed rows are consumed from the front.</summary>
    private sealed class Buffer<T>(DateTimeOffset openedAt)
    {
        private readonly List<long> _sizes = [];

        public List<T> Rows { get; } = [];

        public int Start { get; private set; }

        public int Count => Rows.Count - Start;

        public long Bytes { get; private set; }

        public DateTimeOffset OpenedAt { get; } = openedAt;

        public void Add(T row, long size)
        {
            Rows.Add(row);
            _sizes.Add(size);
            Bytes += size;
        }

        /// <summary>How many rows from <see cref="Start"/> fit one file (at least one), and their estimated bytes.</summary>
        public (int Count, long Bytes) NextChunk(int maxRows, long maxBytes)
        {
            var count = 0;
            long bytes = 0;
            for (var i = Start; i < Rows.Count && count < maxRows; i++)
            {
                if (count > 0 && bytes + _sizes[i] > maxBytes)
                {
                    break;
                }

                bytes += _sizes[i];
                count++;
            }

            return (count, bytes);
        }

        public void Consume(int count, long bytes)
        {
            Start += count;
            Bytes -= bytes;
            if (Start == Rows.Count)
            {
                Rows.Clear();
                _sizes.Clear();
                Start = 0;
            }
        }
    }
}
