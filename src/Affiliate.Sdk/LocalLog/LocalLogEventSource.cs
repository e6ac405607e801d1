using System.Globalization;
using Affiliate.Sdk.Pipeline;

namespace Affiliate.Sdk.LocalLog;

/// <summary>
/// Reads the durable local log as one named consumer (stream → lake). A read returns records after those already
/// returned and waits for new ones without polling; a commit durably stores the consumer's offset and never moves it
/// back, so a restart replays from the last commit (at-least-once). One partition, <c>"0"</c>; positions are offsets.
/// </summary>
internal sealed class LocalLogEventSource : IEventSource
{
    internal const string Partition = "0";

    private readonly DurableLog _log;
    private readonly TimeProvider _time;
    private LogReader? _reader;
    private int _reading;

    public LocalLogEventSource(DurableLog log, string consumer = LocalLogOptions.DefaultConsumer, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(log);
        ConsumerName.ThrowIfInvalid(consumer);
        _log = log;
        _time = time ?? TimeProvider.System;
        Consumer = consumer;
        _log.RegisterConsumer(consumer);
    }

    public string Name => "local_log";

    /// <summary>The consumer whose offset this source commits.</summary>
    public string Consumer { get; }

    public async ValueTask<SourceBatch> ReadAsync(int maxRecords, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxRecords);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxWait, TimeSpan.Zero);
        if (Interlocked.Exchange(ref _reading, 1) != 0)
        {
            throw new InvalidOperationException($"The local log source '{Consumer}' is already being read; reads must not overlap.");
        }

        try
        {
            _reader ??= _log.CreateReader(_log.RegisterConsumer(Consumer));
            var started = _time.GetTimestamp();
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var records = _reader.Read(maxRecords);
                if (records.Count > 0)
                {
                    return ToBatch(records);
                }

                ObjectDisposedException.ThrowIf(_log.IsClosed, _log);
                var remaining = maxWait - _time.GetElapsedTime(started);
                if (remaining <= TimeSpan.Zero)
                {
                    return new SourceBatch([], SourceCheckpoint.Empty);
                }

                await _log.WaitForRecordAsync(_reader.NextOffset)
                    .WaitAsync(remaining, _time, cancellationToken)
                    .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
        finally
        {
            Volatile.Write(ref _reading, 0);
        }
    }

    public ValueTask CommitAsync(SourceCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        if (checkpoint.Positions.Count == 0)
        {
            return ValueTask.CompletedTask;
        }

        if (checkpoint.Positions.Count != 1
            || !checkpoint.Positions.TryGetValue(Partition, out var position)
            || !long.TryParse(position, NumberStyles.None, CultureInfo.InvariantCulture, out var lastOffset))
        {
            throw new ArgumentException(
                $"The checkpoint is not one of the local log source: it must hold one position for partition \"{Partition}\" that is an offset.", nameof(checkpoint));
        }

        return _log.CommitAsync(Consumer, lastOffset + 1, cancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        _reader?.Dispose();
        _reader = null;
        return ValueTask.CompletedTask;
    }

    private static SourceBatch ToBatch(IReadOnlyList<LogRecord> records)
    {
        var result = new SourceRecord[records.Count];
        for (var i = 0; i < result.Length; i++)
        {
            var record = records[i];
            result[i] = new SourceRecord(
                record.Payload,
                Partition,
                record.Offset.ToString(CultureInfo.InvariantCulture),
                DateTimeOffset.FromUnixTimeMilliseconds(record.TimestampMs));
        }

        var last = records[^1].Offset.ToString(CultureInfo.InvariantCulture);
        return new SourceBatch(result, new SourceCheckpoint(new Dictionary<string, string>(1) { [Partition] = last }));
    }
}
