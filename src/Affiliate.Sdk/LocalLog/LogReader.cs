using System.Buffers;

namespace Affiliate.Sdk.LocalLog;

/// <summary>
/// Reads a <see cref="DurableLog"/> forward from an offset, only ever seeing durable records. Every record is checked
/// (length, CRC, offset): damage is reported with <see cref="LocalLogCorruptedException"/>, never skipped.
/// </summary>
internal sealed class LogReader : IDisposable
{
    private readonly DurableLog _log;
    private Segment? _segment;
    private SegmentWindow? _window;
    private long _position;
    private long _scanOffset;
    private long _next;

    public LogReader(DurableLog log, long fromOffset)
    {
        _log = log;
        _next = fromOffset;
    }

    /// <summary>The offset of the next record this reader returns.</summary>
    public long NextOffset => _next;

    /// <summary>Moves the reader to another offset.</summary>
    public void Seek(long offset)
    {
        _next = offset;
        CloseSegment();
    }

    /// <summary>Reads up to <paramref name="maxRecords"/> durable records (fewer once <paramref name="maxBytes"/> of payload is reached).</summary>
    public IReadOnlyList<LogRecord> Read(int maxRecords, int maxBytes = 16 * 1024 * 1024)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxRecords);
        var durableNext = _log.DurableNextOffset;
        if (_next >= durableNext)
        {
            return [];
        }

        if (_segment is null)
        {
            Open(_log.FindSegment(_next));
        }

        var payloads = new ArrayBufferWriter<byte>(4096);
        var found = new List<(long Offset, long Timestamp, int Start, int Length)>();
        while (found.Count < maxRecords && _next < durableNext && payloads.WrittenCount < maxBytes)
        {
            var segment = _segment!;
            var limit = segment.Length;
            if (_position >= limit)
            {
                // Sealed is read before looking for the next segment, which the writer adds before sealing.
                var next = segment.Sealed ? _log.SegmentAfter(segment) : null;
                if (next is null)
                {
                    break;
                }

                if (next.BaseOffset != _scanOffset)
                {
                    throw new LocalLogCorruptedException(
                        $"Segment '{segment.Path}' ends before offset {_scanOffset} but the next segment '{next.Path}' starts at {next.BaseOffset}: records are missing.",
                        segment.Path,
                        _position);
                }

                Open(next);
                continue;
            }

            var status = _window!.TryRead(_position, limit, _scanOffset, out var timestamp, out var payload, out var problem);
            if (status != ScanStatus.Record)
            {
                throw new LocalLogCorruptedException(
                    $"The local log is damaged at byte {_position} of segment '{segment.Path}' ({problem}). " +
                    "The records there were acknowledged as durable; restore the file rather than skip them.",
                    segment.Path,
                    _position);
            }

            _position += RecordFormat.FramedSize(payload.Length);
            if (_scanOffset++ < _next)
            {
                continue; // positioning: the record lies before the reader's offset
            }

            found.Add((_next, timestamp, payloads.WrittenCount, payload.Length));
            payloads.Write(payload);
            _next++;
        }

        var memory = payloads.WrittenMemory;
        var records = new LogRecord[found.Count];
        for (var i = 0; i < records.Length; i++)
        {
            var (offset, timestamp, start, length) = found[i];
            records[i] = new LogRecord(offset, timestamp, memory.Slice(start, length));
        }

        return records;
    }

    private void Open(Segment segment)
    {
        CloseSegment();
        _window = new SegmentWindow(DurableFiles.OpenForRead(segment.Path));
        _segment = segment;
        _position = 0;
        _scanOffset = segment.BaseOffset;
        if (_next < segment.BaseOffset)
        {
            // Retention removed older records (this reader is not a registered consumer): continue from what exists.
            _next = segment.BaseOffset;
        }
    }

    private void CloseSegment()
    {
        _window?.Dispose();
        _window = null;
        _segment = null;
    }

    public void Dispose() => CloseSegment();
}
