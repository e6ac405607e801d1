using Affiliate.Sdk.IO;
using System.Buffers;
using System.Diagnostics;
using System.Threading.Tasks.Sources;
using Affiliate.Sdk.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Affiliate.Sdk.LocalLog;

/// <summary>What one durable log needs to know: where it lives and how it writes.</summary>
/// <param name="Directory">The directory of its segment and offsets files.</param>
/// <param name="Name">A short name for logs and metrics (<c>main</c>, <c>spool</c>).</param>
/// <param name="SegmentBytes">The size at which a segment is sealed and a new one started.</param>
/// <param name="Fsync">Whether group commits and offsets are flushed to disk before they are acknowledged.</param>
/// <param name="MaxBatchBytes">The most bytes one group commit carries.</param>
/// <param name="MaxRecordBytes">The largest accepted payload.</param>
/// <param name="Consumers">Consumers registered from the start (they hold back retention).</param>
internal sealed record DurableLogSettings(
    string Directory,
    string Name,
    long SegmentBytes,
    bool Fsync,
    int MaxBatchBytes,
    int MaxRecordBytes,
    IReadOnlyCollection<string> Consumers)
{
    /// <summary>How many group commits may be syncing at once (with fsync); see <see cref="LocalLogOptions.SyncsInFlight"/>.</summary>
    public int SyncsInFlight { get; init; } = 1;

    public static DurableLogSettings FromOptions(LocalLogOptions options, string? directory = null, string name = "main", IEnumerable<string>? consumers = null) =>
        new(
            directory ?? options.Directory,
            name,
            options.SegmentBytes,
            options.Fsync,
            options.MaxBatchBytes,
            options.MaxRecordBytes,
            (consumers ?? options.Consumers.Append(LocalLogOptions.DefaultConsumer)).Distinct(StringComparer.Ordinal).ToArray())
        {
            SyncsInFlight = options.SyncsInFlight,
        };
}

/// <summary>One record read back from the log.</summary>
/// <param name="Offset">Its offset.</param>
/// <param name="TimestampMs">When it was appended (Unix milliseconds, UTC).</param>
/// <param name="Payload">Its bytes.</param>
internal readonly record struct LogRecord(long Offset, long TimestampMs, ReadOnlyMemory<byte> Payload);

/// <summary>
/// The durable local log: append-only segment files of CRC-framed records with dense 64-bit offsets. Concurrent appends
/// are gathered into groups, each written with one write and made durable with one fsync (group commit); the active
/// segment is zero-filled ahead of its end, so an fsync flushes data and no size change. One committer thread per allowed
/// sync in flight (default one) writes groups in order and syncs them; with more, one group is written while the previous
/// one syncs. An append completes
/// only after an fsync that started after its write. Named consumers commit offsets durably; sealed segments that every
/// consumer has passed are deleted. Opening recovers from a crash by dropping a torn tail of the last segment.
/// </summary>
internal sealed class DurableLog : IAsyncDisposable, IDisposable
{
    /// <summary>
    /// With fsync, the active segment is zero-filled this far ahead of its end: a group written over bytes the file already
    /// has needs no size change, so its fsync flushes data only (about a third faster than an fsync that grows the file).
    /// </summary>
    internal const int PreallocationChunk = 1024 * 1024;

    /// <summary>Zeros written (a block at a time) to preallocate; shared, never written to.</summary>
    private static readonly ReadOnlyMemory<byte> ZeroBlock = new byte[64 * 1024];

    private readonly object _gate = new();
    private readonly DurableLogSettings _settings;
    private readonly ILogger _logger;
    private readonly AffiliateSdkMetrics? _metrics;
    private readonly TimeProvider _time;
    private readonly List<Segment> _segments;
    private readonly Queue<WriteGroup> _queue = new();
    private readonly Stack<WriteGroup> _freeGroups = new();
    private readonly Stack<AppendCompletion> _freeCompletions = new();
    private readonly Dictionary<string, long> _consumers = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _commitLock = new(1, 1);
    private readonly Queue<WriteGroup> _unsynced = new();
    private readonly object _writeLock = new();
    private readonly Thread[] _committers;
    private readonly TaskCompletionSource _writerExited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    [ThreadStatic]
    private static AppendCompletion? t_spareCompletion;

    private Segment _active;
    private SafeFileHandle _activeHandle;
    private long _activeLength;
    private long _allocatedLength;
    private WriteGroup? _open;
    private long _nextOffset;
    private long _durableNextOffset;
    private TaskCompletionSource? _dataArrived;
    private long _writtenNextOffset;
    private long _writtenSequence;
    private int _waitingCommitters;
    private int _syncsInFlight;
    private int _runningCommitters;
    private int _expectedAppends;
    private int _gatherTarget;
    private long _gatherDeadline;
    private long _syncTicks = Stopwatch.Frequency / 10_000;
    private bool _closing;
    private Exception? _fault;
    private int _disposed;

    private DurableLog(DurableLogSettings settings, ILogger logger, AffiliateSdkMetrics? metrics, TimeProvider time, List<Segment> segments, SafeFileHandle activeHandle)
    {
        _settings = settings;
        _logger = logger;
        _metrics = metrics;
        _time = time;
        _segments = segments;
        _active = segments[^1];
        _activeHandle = activeHandle;
        _activeLength = _active.Length;
        _allocatedLength = RandomAccess.GetLength(activeHandle);
        // With fsync, each committer keeps one group commit in flight; with several, the disk syncs one while the next is written.
        _committers = new Thread[settings.Fsync ? Math.Max(1, settings.SyncsInFlight) : 1];
        for (var i = 0; i < _committers.Length; i++)
        {
            _committers[i] = new Thread(CommitterLoop) { IsBackground = true, Name = $"Affiliate.Sdk local log writer ({settings.Name})" };
        }

        _runningCommitters = _committers.Length;
    }

    /// <summary>The log's short name (<c>main</c>, <c>spool</c>).</summary>
    public string Name => _settings.Name;

    /// <summary>The directory of the log.</summary>
    public string Directory => _settings.Directory;

    /// <summary>The offset the next durable record will get: every offset below it is durable.</summary>
    public long DurableNextOffset => Volatile.Read(ref _durableNextOffset);

    /// <summary>Whether the log is closing or closed.</summary>
    public bool IsClosed => Volatile.Read(ref _disposed) != 0;

    /// <summary>The lowest offset still stored (older segments were deleted by retention).</summary>
    public long StartOffset
    {
        get
        {
            lock (_gate)
            {
                return _segments[0].BaseOffset;
            }
        }
    }

    /// <summary>The number of segment files.</summary>
    public int SegmentCount
    {
        get
        {
            lock (_gate)
            {
                return _segments.Count;
            }
        }
    }

    /// <summary>Opens (creating when missing) the log in a directory and recovers it from any crash.</summary>
    public static DurableLog Open(DurableLogSettings settings, ILogger logger, AffiliateSdkMetrics? metrics = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(logger);
        foreach (var consumer in settings.Consumers)
        {
            ConsumerName.ThrowIfInvalid(consumer);
        }

        var directory = settings.Directory;
        System.IO.Directory.CreateDirectory(directory);
        foreach (var temp in System.IO.Directory.EnumerateFiles(directory, "*" + DurableFiles.TempExtension))
        {
            File.Delete(temp);
        }

        var offsets = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var file in System.IO.Directory.EnumerateFiles(directory, "*" + DurableFiles.OffsetExtension))
        {
            var consumer = Path.GetFileNameWithoutExtension(file);
            if (ConsumerName.IsValid(consumer))
            {
                offsets[consumer] = DurableFiles.ReadOffsetFile(file);
            }
        }

        var segments = new List<Segment>();
        foreach (var file in System.IO.Directory.EnumerateFiles(directory, "*" + DurableFiles.SegmentExtension))
        {
            if (DurableFiles.TryParseSegmentFileName(Path.GetFileName(file), out var baseOffset))
            {
                segments.Add(new Segment(baseOffset, file, new FileInfo(file).Length, isSealed: true));
            }
        }

        segments.Sort((a, b) => a.BaseOffset.CompareTo(b.BaseOffset));
        var created = false;
        if (segments.Count == 0)
        {
            // A fresh log; when only offsets files survived, continue numbering after them so no consumer waits forever.
            var baseOffset = offsets.Count == 0 ? 0 : offsets.Values.Max();
            segments.Add(new Segment(baseOffset, Path.Combine(directory, DurableFiles.SegmentFileName(baseOffset)), 0, isSealed: false));
            created = true;
        }

        var active = segments[^1];
        active.Sealed = false;
        var handle = DurableFiles.OpenForAppend(active.Path);
        DurableLog? log = null;
        try
        {
            var (validLength, nextOffset) = Recover(handle, active, settings, logger);
            active.Length = validLength;
            if (created && settings.Fsync)
            {
                DurableDirectory.Flush(directory);
            }

            log = new DurableLog(settings, logger, metrics, time ?? TimeProvider.System, segments, handle)
            {
                _nextOffset = nextOffset,
                _durableNextOffset = nextOffset,
                _writtenNextOffset = nextOffset,
            };
            foreach (var (consumer, offset) in offsets)
            {
                log._consumers[consumer] = Math.Clamp(offset, segments[0].BaseOffset, nextOffset);
            }

            foreach (var consumer in settings.Consumers)
            {
                log._consumers.TryAdd(consumer, segments[0].BaseOffset);
            }

            foreach (var committer in log._committers)
            {
                committer.Start();
            }

            metrics?.ObserveLocalLog(log);
            LocalLogLog.Opened(logger, settings.Name, directory, segments[0].BaseOffset, nextOffset, segments.Count);
            return log;
        }
        catch when (log is null)
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Scans the last segment, truncates a torn or damaged tail and returns its valid length and next offset.</summary>
    private static (long ValidLength, long NextOffset) Recover(SafeFileHandle handle, Segment segment, DurableLogSettings settings, ILogger logger)
    {
        var fileLength = RandomAccess.GetLength(handle);
        using var window = new SegmentWindow(DurableFiles.OpenForRead(segment.Path));
        long position = 0;
        var next = segment.BaseOffset;
        string? problem = null;
        while (true)
        {
            var status = window.TryRead(position, fileLength, next, out _, out var payload, out var found);
            if (status == ScanStatus.End)
            {
                break;
            }

            if (status == ScanStatus.Invalid)
            {
                problem = found;
                break;
            }

            position += RecordFormat.FramedSize(payload.Length);
            next++;
        }

        // Only the tail after the last fsync can be torn, and nothing in it was acknowledged: drop it. A tail of zeros is
        // the preallocated space of a log that was not closed cleanly: with fsync on (the log preallocates) it is kept and
        // written over; without, it is cut like any torn tail (a torn record can also begin with zero bytes).
        if (problem is not null && !(settings.Fsync && IsZeroFilled(window, position, fileLength)))
        {
            LocalLogLog.TornTailDropped(logger, settings.Name, segment.Path, position, fileLength - position, problem);
            RandomAccess.SetLength(handle, position);
            if (settings.Fsync)
            {
                RandomAccess.FlushToDisk(handle);
            }
        }

        return (position, next);
    }

    /// <summary>Whether every byte from <paramref name="position"/> to <paramref name="end"/> is zero (preallocated, never written).</summary>
    private static bool IsZeroFilled(SegmentWindow window, long position, long end)
    {
        const int Step = 64 * 1024;
        while (position < end)
        {
            var count = (int)Math.Min(Step, end - position);
            if (!window.TryGetBytes(position, count, end, out var bytes) || bytes.ContainsAnyExcept((byte)0))
            {
                return false;
            }

            position += count;
        }

        return true;
    }

    /// <summary>Appends one record; completes with its offset once it is durable.</summary>
    /// <param name="payload">The bytes; copied before the call returns, so the caller may reuse the buffer at once.</param>
    /// <param name="cancellationToken">Stops waiting; the record may still become durable.</param>
    public ValueTask<long> AppendAsync(ReadOnlySpan<byte> payload, CancellationToken cancellationToken)
    {
        var length = payload.Length;
        return AppendBatchAsync(payload, new ReadOnlySpan<int>(in length), cancellationToken);
    }

    /// <summary>Appends records in one group commit; completes with the first record's offset once all are durable.</summary>
    /// <param name="payloads">The payloads one after another; copied before the call returns.</param>
    /// <param name="lengths">The length of each payload, in order.</param>
    /// <param name="cancellationToken">Stops waiting; the records may still become durable.</param>
    public ValueTask<long> AppendBatchAsync(ReadOnlySpan<byte> payloads, ReadOnlySpan<int> lengths, CancellationToken cancellationToken)
    {
        if (lengths.IsEmpty)
        {
            throw new ArgumentException("A batch needs at least one record.", nameof(lengths));
        }

        cancellationToken.ThrowIfCancellationRequested();
        long total = 0;
        foreach (var length in lengths)
        {
            if (length < 0 || length > _settings.MaxRecordBytes)
            {
                throw new ArgumentException(
                    $"A record of {length} bytes is larger than {LocalLogOptions.SectionName}:MaxRecordBytes ({_settings.MaxRecordBytes}).", nameof(payloads));
            }

            total += length;
        }

        if (total != payloads.Length)
        {
            throw new ArgumentException($"The lengths add up to {total} bytes but {payloads.Length} were given.", nameof(lengths));
        }

        var framedTotal = checked((int)total + (lengths.Length * RecordFormat.HeaderSize));
        var timestamp = _time.GetUtcNow().ToUnixTimeMilliseconds();
        // Taken (or, when it belongs to another log, dropped) so a thread never holds on to a log it no longer uses.
        var spare = t_spareCompletion;
        t_spareCompletion = null;
        if (spare is not null && !ReferenceEquals(spare.Owner, this))
        {
            spare = null;
        }

        AppendCompletion completion;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closing, this);
            if (_fault is not null)
            {
                throw new IOException($"The local log '{_settings.Directory}' failed and accepts no appends until it is reopened.", _fault);
            }

            var group = _open;
            if (group is null || (group.Length > 0 && group.Length + framedTotal > _settings.MaxBatchBytes))
            {
                group = _freeGroups.Count > 0 ? _freeGroups.Pop() : new WriteGroup();
                group.FirstOffset = _nextOffset;
                _queue.Enqueue(group);
                _open = group;
            }

            var destination = group.Reserve(framedTotal);
            var first = _nextOffset;
            var read = 0;
            var written = 0;
            foreach (var length in lengths)
            {
                RecordFormat.Write(destination.Slice(written, RecordFormat.FramedSize(length)), _nextOffset++, timestamp, payloads.Slice(read, length));
                read += length;
                written += RecordFormat.FramedSize(length);
            }

            group.Records += lengths.Length;
            completion = spare ?? (_freeCompletions.Count > 0 ? _freeCompletions.Pop() : new AppendCompletion(this));
            completion.Offset = first;
            completion.Arm(cancellationToken.CanBeCanceled);
            group.Waiters.Add(completion);
            if (_waitingCommitters > 0
                || (_gatherTarget > 0 && (group.Records >= _gatherTarget || Stopwatch.GetTimestamp() >= _gatherDeadline)))
            {
                Monitor.Pulse(_gate);
            }
        }

        // Read the version first: once the token is registered, a cancellation may complete (never recycle) the completion.
        var version = completion.Version;
        if (cancellationToken.CanBeCanceled)
        {
            completion.CancelWith(cancellationToken);
        }

        return new ValueTask<long>(completion, version);
    }

    /// <summary>Tests only: runs on the writer before each group's fsync (to hold a group between write and fsync).</summary>
    internal Action? BeforeSyncForTests { get; set; }

    /// <summary>Creates a reader positioned at an offset (clamped to what is still stored).</summary>
    public LogReader CreateReader(long fromOffset) => new(this, fromOffset);

    /// <summary>Completes when a record at or after <paramref name="offset"/> is durable, or the log closes.</summary>
    public Task WaitForRecordAsync(long offset)
    {
        lock (_gate)
        {
            if (_durableNextOffset > offset || _closing)
            {
                return Task.CompletedTask;
            }

            return (_dataArrived ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }

    /// <summary>Registers a consumer (it then holds back retention) and returns its committed offset: the next offset it has to process.</summary>
    public long RegisterConsumer(string consumer)
    {
        ConsumerName.ThrowIfInvalid(consumer);
        lock (_gate)
        {
            if (!_consumers.TryGetValue(consumer, out var committed))
            {
                committed = _segments[0].BaseOffset;
                _consumers[consumer] = committed;
            }

            return committed;
        }
    }

    /// <summary>The committed offsets of every registered consumer.</summary>
    public IReadOnlyDictionary<string, long> CommittedOffsets()
    {
        lock (_gate)
        {
            return new Dictionary<string, long>(_consumers, StringComparer.Ordinal);
        }
    }

    /// <summary>
    /// Durably stores that a consumer has processed every record below <paramref name="nextOffset"/>; an offset at or
    /// below the stored one changes nothing (commits never move backwards). Then deletes segments every consumer passed.
    /// </summary>
    public async ValueTask CommitAsync(string consumer, long nextOffset, CancellationToken cancellationToken)
    {
        ConsumerName.ThrowIfInvalid(consumer);
        var durableNext = DurableNextOffset;
        if (nextOffset > durableNext)
        {
            throw new ArgumentOutOfRangeException(nameof(nextOffset), nextOffset, $"Consumer '{consumer}' cannot commit past the end of the log ({durableNext}).");
        }

        await _commitLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (nextOffset <= RegisterConsumer(consumer))
            {
                return;
            }

            var path = Path.Combine(_settings.Directory, DurableFiles.OffsetFileName(consumer));
            await Task.Run(() => DurableFiles.WriteOffsetFile(_settings.Directory, path, nextOffset, _settings.Fsync), CancellationToken.None).ConfigureAwait(false);
            lock (_gate)
            {
                _consumers[consumer] = nextOffset;
            }
        }
        finally
        {
            _commitLock.Release();
        }

        ApplyRetention();
    }

    /// <summary>Lag per consumer (durable end − committed offset), for the lag gauge.</summary>
    internal void CollectLag(List<(string Consumer, long Lag)> into)
    {
        lock (_gate)
        {
            foreach (var (consumer, committed) in _consumers)
            {
                into.Add((consumer, Math.Max(0, _durableNextOffset - committed)));
            }
        }
    }

    /// <summary>The segment that holds <paramref name="offset"/> (the first one when it is older than everything stored).</summary>
    internal Segment FindSegment(long offset)
    {
        lock (_gate)
        {
            for (var i = _segments.Count - 1; i > 0; i--)
            {
                if (_segments[i].BaseOffset <= offset)
                {
                    return _segments[i];
                }
            }

            return _segments[0];
        }
    }

    /// <summary>The segment after <paramref name="segment"/>, if there is one yet.</summary>
    internal Segment? SegmentAfter(Segment segment)
    {
        lock (_gate)
        {
            foreach (var candidate in _segments)
            {
                if (candidate.BaseOffset > segment.BaseOffset)
                {
                    return candidate;
                }
            }

            return null;
        }
    }

    private void ApplyRetention()
    {
        List<Segment>? doomed = null;
        lock (_gate)
        {
            if (_consumers.Count == 0)
            {
                return;
            }

            var passed = long.MaxValue;
            foreach (var committed in _consumers.Values)
            {
                passed = Math.Min(passed, committed);
            }

            // A sealed segment's records all lie below the next segment's base offset.
            while (_segments.Count > 1 && _segments[0].Sealed && _segments[1].BaseOffset <= passed)
            {
                (doomed ??= []).Add(_segments[0]);
                _segments.RemoveAt(0);
            }
        }

        if (doomed is null)
        {
            return;
        }

        try
        {
            foreach (var segment in doomed)
            {
                File.Delete(segment.Path);
                LocalLogLog.SegmentDeleted(_logger, _settings.Name, segment.Path);
            }

            if (_settings.Fsync)
            {
                DurableDirectory.Flush(_settings.Directory);
            }
        }
        catch (IOException ex)
        {
            // A segment left behind is re-listed at the next open and deleted after the next commit; nothing is lost.
            LocalLogLog.RetentionFailed(_logger, _settings.Name, ex);
        }
    }

    /// <summary>
    /// One committer thread: takes the next queued group, writes it at the end of the active segment (writes stay in queue
    /// order under <see cref="_writeLock"/>), then fsyncs outside that lock, so the next group can be written and synced
    /// while this fsync is still in flight. A completed fsync makes durable everything written before it started: every
    /// group written up to and including this one.
    /// </summary>
    private void CommitterLoop()
    {
        var durable = new List<WriteGroup>();
        try
        {
            while (true)
            {
                WriteGroup group;
                SafeFileHandle handle;
                long sequence;
                int records;
                int bytes;
                lock (_writeLock)
                {
                    if (_activeLength >= _settings.SegmentBytes)
                    {
                        RollWhenSynced();
                    }

                    // Ahead of need, while appenders released by the last commit come back (not on a group's own path).
                    Preallocate(_activeLength + (PreallocationChunk / 2));

                    lock (_gate)
                    {
                        while (_queue.Count == 0)
                        {
                            if (_closing)
                            {
                                return;
                            }

                            _waitingCommitters++;
                            Monitor.Wait(_gate);
                            _waitingCommitters--;
                        }

                        GatherLocked();
                        group = _queue.Dequeue();
                        if (ReferenceEquals(group, _open))
                        {
                            _open = null;
                        }
                    }

                    try
                    {
                        Preallocate(_activeLength + group.Length);
                        RandomAccess.Write(_activeHandle, group.Buffer.AsSpan(0, group.Length), _activeLength);
                    }
                    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                    {
                        LocalLogLog.WriteFailed(_logger, _settings.Name, group.Records, ex);
                        FailQueued([group], ex, permanently: !TryUndoPartialWrite());
                        continue;
                    }

                    _activeLength += group.Length;
                    _active.Length = _activeLength;
                    handle = _activeHandle;
                    records = group.Records;
                    bytes = group.Length;
                    lock (_gate)
                    {
                        sequence = ++_writtenSequence;
                        group.Sequence = sequence;
                        _writtenNextOffset = group.FirstOffset + group.Records;
                        _unsynced.Enqueue(group);
                        _syncsInFlight++;
                    }
                }

                Sync(handle, sequence, records, bytes, durable);
            }
        }
        catch (Exception ex)
        {
            // Unexpected: fail everything still queued rather than leave appenders waiting forever.
            LocalLogLog.WriterFailed(_logger, _settings.Name, ex);
            FailQueued([], ex, permanently: true);
        }
        finally
        {
            if (Interlocked.Decrement(ref _runningCommitters) == 0)
            {
                _writerExited.TrySetResult();
            }
        }
    }

    /// <summary>
    /// Appenders released by the last group commit usually append again at once (a request loop, a busy endpoint): when
    /// the only queued group holds fewer records than most of that commit released, wait (asleep, never without fsync) so
    /// they share one fsync instead of each costing another. The wait ends at the append that reaches the mark, or at the
    /// first append after about one fsync's time (appenders that do not come back that fast are independent traffic,
    /// which waiting longer would only delay), and after 1 ms at most.
    /// </summary>
    private void GatherLocked()
    {
        var expected = _expectedAppends;
        if (!_settings.Fsync || _queue.Count != 1 || expected <= 1)
        {
            return;
        }

        var group = _queue.Peek();
        if (group.Records >= expected || !ReferenceEquals(group, _open))
        {
            return;
        }

        _gatherTarget = expected;
        _gatherDeadline = Stopwatch.GetTimestamp() + _syncTicks;
        try
        {
            Monitor.Wait(_gate, millisecondsTimeout: 1);
        }
        finally
        {
            _gatherTarget = 0;
        }
    }

    /// <summary>Fsyncs what a committer wrote, then completes every group written up to it (in order).</summary>
    /// <param name="handle">The segment the group was written to.</param>
    /// <param name="sequence">The group's write sequence number.</param>
    /// <param name="records">The group's record count (for metrics).</param>
    /// <param name="bytes">The group's byte count (for metrics).</param>
    /// <param name="durable">The committer's own scratch list (empty; left empty).</param>
    private void Sync(SafeFileHandle handle, long sequence, int records, int bytes, List<WriteGroup> durable)
    {
        BeforeSyncForTests?.Invoke();
        var started = Stopwatch.GetTimestamp();
        Exception? failure = null;
        if (_settings.Fsync)
        {
            try
            {
                RandomAccess.FlushToDisk(handle);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                failure = ex;
            }
        }

        TaskCompletionSource? arrived = null;
        Exception? fault;
        var released = 0;
        var elapsed = Stopwatch.GetTimestamp() - started;
        lock (_gate)
        {
            _syncsInFlight--;
            _syncTicks += (elapsed - _syncTicks) / 8;
            fault = failure ?? _fault;
            if (fault is null)
            {
                while (_unsynced.TryPeek(out var next) && next.Sequence <= sequence)
                {
                    var next2 = _unsynced.Dequeue();
                    released += next2.Waiters.Count;
                    durable.Add(next2);
                }

                if (released > 0)
                {
                    // Most of them, not all: a few may not come back at once, and waiting for them would cost the timeout.
                    _expectedAppends = released * 3 / 4;
                }

                if (durable.Count > 0)
                {
                    var last = durable[^1];
                    _durableNextOffset = last.FirstOffset + last.Records;
                    arrived = _dataArrived;
                    _dataArrived = null;
                }
            }

            if (_syncsInFlight == 0)
            {
                Monitor.PulseAll(_gate);
            }
        }

        if (fault is not null)
        {
            // After a failed fsync the file's state is unknown, and a later fsync may succeed without covering what was lost:
            // nothing still unsynced can be acknowledged, and the log stops until it is reopened (and recovers).
            if (failure is not null)
            {
                LocalLogLog.WriteFailed(_logger, _settings.Name, records, failure);
            }

            FailQueued([], fault, permanently: true);
            return;
        }

        arrived?.TrySetResult();
        _metrics?.LocalLogCommitted(_settings.Name, records, bytes, _settings.Fsync, Stopwatch.GetElapsedTime(started, started + elapsed));
        if (durable.Count == 0)
        {
            return;
        }

        foreach (var group in durable)
        {
            foreach (var waiter in group.Waiters)
            {
                waiter.Succeed();
            }
        }

        lock (_gate)
        {
            foreach (var group in durable)
            {
                group.Reset();
                _freeGroups.Push(group);
            }
        }

        durable.Clear();
    }

    /// <summary>
    /// Zero-fills the active segment (in whole chunks, up to the segment size) so that it extends past <paramref name="end"/>;
    /// called under <see cref="_writeLock"/>. Groups past the segment size simply grow the file.
    /// </summary>
    private void Preallocate(long end)
    {
        // long.MaxValue: preallocation failed on this segment and is not tried again.
        if (!_settings.Fsync || end <= _allocatedLength || _allocatedLength >= _settings.SegmentBytes)
        {
            return;
        }

        var target = Math.Min(_settings.SegmentBytes, Math.Max(end, _allocatedLength + PreallocationChunk));
        try
        {
            for (var position = _allocatedLength; position < target;)
            {
                var count = (int)Math.Min(ZeroBlock.Length, target - position);
                RandomAccess.Write(_activeHandle, ZeroBlock.Span[..count], position);
                position += count;
            }

            _allocatedLength = target;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort (a full disk may still take the group itself): stop preallocating this segment and append plainly.
            LocalLogLog.PreallocationFailed(_logger, _settings.Name, _active.Path, ex);
            _allocatedLength = long.MaxValue;
        }
    }

    /// <summary>
    /// Cuts the preallocated zeros off the active segment, so a sealed or cleanly closed segment ends at its last record
    /// (readers of sealed segments and the next open take the file length as the segment's length).
    /// </summary>
    private void TrimPreallocation()
    {
        if (_allocatedLength > _activeLength)
        {
            CutToLastRecord();
        }
    }

    /// <summary>Cuts the active segment (durably, with fsync) at the end of its last written group.</summary>
    private void CutToLastRecord()
    {
        RandomAccess.SetLength(_activeHandle, _activeLength);
        _allocatedLength = _activeLength;
        if (_settings.Fsync)
        {
            RandomAccess.FlushToDisk(_activeHandle);
        }
    }

    /// <summary>Starts a new segment once no fsync is in flight on the current one (called under <see cref="_writeLock"/>).</summary>
    private void RollWhenSynced()
    {
        lock (_gate)
        {
            // A completed fsync only vouches for its own file: every group of this segment must be synced before the next
            // segment's first group is written.
            while (_syncsInFlight > 0)
            {
                Monitor.Wait(_gate);
            }

            if (_fault is not null)
            {
                return;
            }
        }

        Roll();
    }

    private bool TryUndoPartialWrite()
    {
        try
        {
            CutToLastRecord();
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LocalLogLog.WriterFailed(_logger, _settings.Name, ex);
            return false;
        }
    }

    /// <summary>
    /// Fails the given groups and every queued one; their offsets are handed out again. When the failure is permanent, the
    /// groups written but not yet synced fail too (nothing after a failed fsync is acknowledged).
    /// </summary>
    private void FailQueued(List<WriteGroup> failed, Exception cause, bool permanently)
    {
        lock (_gate)
        {
            while (_queue.Count > 0)
            {
                failed.Add(_queue.Dequeue());
            }

            if (permanently)
            {
                while (_unsynced.Count > 0)
                {
                    failed.Add(_unsynced.Dequeue());
                }

                _fault ??= cause;
            }

            _open = null;
            _nextOffset = permanently ? _durableNextOffset : _writtenNextOffset;
        }

        var records = 0;
        foreach (var group in failed)
        {
            records += group.Records;
        }

        var error = new IOException(
            $"Writing to the local log '{_settings.Directory}' failed; none of the {records} records of this group commit were acknowledged.", cause);
        foreach (var group in failed)
        {
            foreach (var waiter in group.Waiters)
            {
                waiter.Fail(error);
            }

            lock (_gate)
            {
                group.Reset();
                _freeGroups.Push(group);
            }
        }
    }

    private void Roll()
    {
        var baseOffset = DurableNextOffset;
        var path = Path.Combine(_settings.Directory, DurableFiles.SegmentFileName(baseOffset));
        SafeFileHandle handle;
        try
        {
            // The sealed segment must end at its last record, durably, before a segment after it can exist.
            TrimPreallocation();
            handle = File.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete);
            if (_settings.Fsync)
            {
                DurableDirectory.Flush(_settings.Directory);
            }
        }
        catch (IOException ex)
        {
            // Keep appending to the current segment; the roll is tried again before the next group commit.
            LocalLogLog.RollFailed(_logger, _settings.Name, path, ex);
            return;
        }

        var segment = new Segment(baseOffset, path, 0, isSealed: false);
        var previous = _active;
        lock (_gate)
        {
            _segments.Add(segment);
        }

        previous.Sealed = true;
        _activeHandle.Dispose();
        _active = segment;
        _activeHandle = handle;
        _activeLength = 0;
        _allocatedLength = 0;
        LocalLogLog.SegmentRolled(_logger, _settings.Name, path);
    }

    private void ReturnCompletion(AppendCompletion completion, bool onAppenderThread)
    {
        // An appender usually appends again from the thread that awaited its last append: keep one completion per thread
        // at hand so the common path takes no lock for it.
        if (onAppenderThread && t_spareCompletion is null)
        {
            t_spareCompletion = completion;
            return;
        }

        lock (_gate)
        {
            if (_freeCompletions.Count < 4096)
            {
                _freeCompletions.Push(completion);
            }
        }
    }

    /// <summary>Lets queued appends finish (write and fsync), stops the writer and closes the files.</summary>
    public async ValueTask DisposeAsync()
    {
        if (BeginClose())
        {
            await _writerExited.Task.ConfigureAwait(false);
            EndClose();
        }
    }

    /// <summary>Like <see cref="DisposeAsync"/>, for containers disposed synchronously: joins the writer thread.</summary>
    public void Dispose()
    {
        if (BeginClose())
        {
            foreach (var committer in _committers)
            {
                committer.Join();
            }

            EndClose();
        }
    }

    private bool BeginClose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return false;
        }

        TaskCompletionSource? arrived;
        lock (_gate)
        {
            _closing = true;
            arrived = _dataArrived;
            _dataArrived = null;
            Monitor.PulseAll(_gate);
        }

        arrived?.TrySetResult();
        return true;
    }

    private void EndClose()
    {
        _metrics?.StopObservingLocalLog(this);
        if (_fault is null)
        {
            try
            {
                TrimPreallocation();
            }
            catch (IOException ex)
            {
                // The zeros stay; the next open recognises them as preallocated space.
                LocalLogLog.WriterFailed(_logger, _settings.Name, ex);
            }
        }

        _activeHandle.Dispose();
        _commitLock.Dispose();
        LocalLogLog.Closed(_logger, _settings.Name, DurableNextOffset);
    }

    /// <summary>A queue entry of the writer: framed records of many appends that share one write and one fsync.</summary>
    private sealed class WriteGroup
    {
        private const int InitialCapacity = 64 * 1024;

        public byte[] Buffer { get; private set; } = ArrayPool<byte>.Shared.Rent(InitialCapacity);

        public int Length { get; private set; }

        public long FirstOffset { get; set; }

        public int Records { get; set; }

        /// <summary>The order in which the group was written (set when written).</summary>
        public long Sequence { get; set; }

        public List<AppendCompletion> Waiters { get; } = [];

        public Span<byte> Reserve(int size)
        {
            if (Length + size > Buffer.Length)
            {
                var larger = ArrayPool<byte>.Shared.Rent(Math.Max(Length + size, Buffer.Length * 2));
                Buffer.AsSpan(0, Length).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(Buffer);
                Buffer = larger;
            }

            var span = Buffer.AsSpan(Length, size);
            Length += size;
            return span;
        }

        public void Reset()
        {
            Length = 0;
            Records = 0;
            Waiters.Clear();
            if (Buffer.Length > 4 * InitialCapacity)
            {
                // Do not keep a huge buffer from one large batch.
                ArrayPool<byte>.Shared.Return(Buffer);
                Buffer = ArrayPool<byte>.Shared.Rent(InitialCapacity);
            }
        }
    }

    /// <summary>
    /// A pooled, reusable completion of one append (no allocation per append on the hot path). Its result is set once, by
    /// the writer (durable or failed) or by the appender's cancellation token, whichever comes first. It goes back to the
    /// pool only when both the writer has let go of it and the appender has read its result.
    /// </summary>
    private sealed class AppendCompletion(DurableLog owner) : IValueTaskSource<long>
    {
        private ManualResetValueTaskSourceCore<long> _core = new() { RunContinuationsAsynchronously = true };
        private CancellationTokenRegistration _registration;
        private CancellationToken _cancellationToken;
        private bool _cancellable;
        private int _completed;
        private int _holders;

        public DurableLog Owner => owner;

        public long Offset { get; set; }

        public short Version => _core.Version;

        /// <summary>
        /// Hands the completion to an append (under the log's lock, before the writer can see it). Without a token that
        /// can be cancelled, only the writer sets the result and the appender reads it last: no counting is needed.
        /// </summary>
        public void Arm(bool cancellable)
        {
            _cancellable = cancellable;
            _completed = 0;
            _holders = 2;
        }

        /// <summary>Lets the appender stop waiting when the token is cancelled (the record may still become durable).</summary>
        public void CancelWith(CancellationToken cancellationToken)
        {
            _cancellationToken = cancellationToken;
            _registration = cancellationToken.UnsafeRegister(static state => ((AppendCompletion)state!).Cancel(), this);
        }

        /// <summary>The writer made the record durable.</summary>
        public void Succeed() => Complete(null);

        /// <summary>The writer could not make the record durable.</summary>
        public void Fail(Exception error) => Complete(error);

        public long GetResult(short token)
        {
            try
            {
                return _core.GetResult(token);
            }
            finally
            {
                if (_cancellable)
                {
                    // Waits for a cancellation callback running right now (it only sets the result if it still can).
                    _registration.Dispose();
                    Release(onAppenderThread: true);
                }
                else
                {
                    _core.Reset();
                    owner.ReturnCompletion(this, onAppenderThread: true);
                }
            }
        }

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);

        private void Complete(Exception? error)
        {
            if (!_cancellable)
            {
                SetResult(error);
                return;
            }

            if (Interlocked.Exchange(ref _completed, 1) != 0)
            {
                // The appender's wait was cancelled first and may already have read that: only let go.
                Release(onAppenderThread: false);
                return;
            }

            // Let go first: the appender cannot read the result before it is set, so this never recycles.
            Interlocked.Decrement(ref _holders);
            SetResult(error);
        }

        private void SetResult(Exception? error)
        {
            if (error is null)
            {
                _core.SetResult(Offset);
            }
            else
            {
                _core.SetException(error);
            }
        }

        private void Cancel()
        {
            if (Interlocked.Exchange(ref _completed, 1) == 0)
            {
                _core.SetException(new OperationCanceledException(_cancellationToken));
            }
        }

        private void Release(bool onAppenderThread)
        {
            if (Interlocked.Decrement(ref _holders) == 0)
            {
                _registration = default;
                _cancellationToken = default;
                _core.Reset();
                owner.ReturnCompletion(this, onAppenderThread);
            }
        }
    }
}
