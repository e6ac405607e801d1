using Microsoft.Win32.SafeHandles;

namespace Affiliate.Sdk.LocalLog;

/// <summary>One segment file: its first offset, its durable length and whether it is sealed (no longer appended to).</summary>
internal sealed class Segment(long baseOffset, string path, long length, bool isSealed)
{
    private long _length = length;
    private volatile bool _sealed = isSealed;

    public long BaseOffset { get; } = baseOffset;

    public string Path { get; } = path;

    /// <summary>Bytes that are durable (fsynced) and whole; readers never look past it.</summary>
    public long Length
    {
        get => Volatile.Read(ref _length);
        set => Volatile.Write(ref _length, value);
    }

    /// <summary>Whether a newer segment follows and this one gets no more records.</summary>
    public bool Sealed
    {
        get => _sealed;
        set => _sealed = value;
    }
}

/// <summary>What scanning one record found.</summary>
internal enum ScanStatus
{
    /// <summary>A whole, valid record.</summary>
    Record,

    /// <summary>The end of the readable bytes, exactly at a record boundary.</summary>
    End,

    /// <summary>Bytes that are not a whole valid record (torn write or damage); see the problem text.</summary>
    Invalid,
}

/// <summary>A buffered, forward-moving window over a segment file, used by recovery and readers.</summary>
internal sealed class SegmentWindow : IDisposable
{
    private const int DefaultBufferSize = 256 * 1024;

    private readonly SafeFileHandle _handle;
    private byte[] _buffer = new byte[DefaultBufferSize];
    private long _bufferStart;
    private int _bufferLength;

    public SegmentWindow(SafeFileHandle handle) => _handle = handle;

    /// <summary>Scans the record at <paramref name="position"/>, not reading at or past <paramref name="limit"/>.</summary>
    public ScanStatus TryRead(long position, long limit, long expectedOffset, out long timestampMs, out ReadOnlySpan<byte> payload, out string problem)
    {
        timestampMs = 0;
        payload = default;
        problem = string.Empty;
        var remaining = limit - position;
        if (remaining == 0)
        {
            return ScanStatus.End;
        }

        if (remaining < RecordFormat.HeaderSize || !TryGet(position, RecordFormat.HeaderSize, limit, out var header))
        {
            problem = $"a record header is cut short ({remaining} bytes left)";
            return ScanStatus.Invalid;
        }

        var length = RecordFormat.ReadLength(header);
        if (length is < 0 or > LocalLogOptionsValidator.MaxRecordLimit)
        {
            problem = $"the length field holds {length}, outside 0..{LocalLogOptionsValidator.MaxRecordLimit}";
            return ScanStatus.Invalid;
        }

        if (remaining < RecordFormat.FramedSize(length) || !TryGet(position, RecordFormat.FramedSize(length), limit, out var framed))
        {
            problem = $"a record of {length} bytes runs past the end ({remaining} bytes left)";
            return ScanStatus.Invalid;
        }

        if (!RecordFormat.CrcMatches(framed))
        {
            problem = "the CRC does not match the record";
            return ScanStatus.Invalid;
        }

        var offset = RecordFormat.ReadOffset(framed);
        if (offset != expectedOffset)
        {
            problem = $"the record holds offset {offset} where {expectedOffset} was expected";
            return ScanStatus.Invalid;
        }

        timestampMs = RecordFormat.ReadTimestamp(framed);
        payload = framed[RecordFormat.HeaderSize..];
        return ScanStatus.Record;
    }

    /// <summary>Reads <paramref name="count"/> bytes at <paramref name="position"/> (not past <paramref name="limit"/>) through the window.</summary>
    public bool TryGetBytes(long position, int count, long limit, out ReadOnlySpan<byte> span) => TryGet(position, count, limit, out span);

    private bool TryGet(long position, int count, long limit, out ReadOnlySpan<byte> span)
    {
        if (position >= _bufferStart && position + count <= _bufferStart + _bufferLength)
        {
            span = _buffer.AsSpan((int)(position - _bufferStart), count);
            return true;
        }

        if (_buffer.Length < count)
        {
            _buffer = new byte[Math.Max(count, _buffer.Length * 2)];
        }

        var toRead = (int)Math.Min(_buffer.Length, limit - position);
        var read = 0;
        while (read < toRead)
        {
            var n = RandomAccess.Read(_handle, _buffer.AsSpan(read, toRead - read), position + read);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        _bufferStart = position;
        _bufferLength = read;
        if (read < count)
        {
            span = default;
            return false;
        }

        span = _buffer.AsSpan(0, count);
        return true;
    }

    public void Dispose() => _handle.Dispose();
}
