using System.Buffers.Binary;

namespace Affiliate.Sdk.LocalLog;

/// <summary>
/// Framing of one record in a segment (little-endian):
/// <c>crc32c:u32 | length:i32 | offset:i64 | timestamp:i64 (Unix ms) | payload[length]</c>;
/// the CRC-32C covers every byte after itself (length, offset, timestamp and payload).
/// </summary>
internal static class RecordFormat
{
    public const int HeaderSize = 24;
    private const int CrcStart = 4;

    public static int FramedSize(int payloadLength) => HeaderSize + payloadLength;

    /// <summary>Writes the header and payload into <paramref name="destination"/> (exactly <see cref="FramedSize"/> bytes).</summary>
    public static void Write(Span<byte> destination, long offset, long timestampMs, ReadOnlySpan<byte> payload)
    {
        BinaryPrimitives.WriteInt32LittleEndian(destination[4..], payload.Length);
        BinaryPrimitives.WriteInt64LittleEndian(destination[8..], offset);
        BinaryPrimitives.WriteInt64LittleEndian(destination[16..], timestampMs);
        payload.CopyTo(destination[HeaderSize..]);
        var crc = Crc32C.Compute(destination[CrcStart..(HeaderSize + payload.Length)]);
        BinaryPrimitives.WriteUInt32LittleEndian(destination, crc);
    }

    public static int ReadLength(ReadOnlySpan<byte> header) => BinaryPrimitives.ReadInt32LittleEndian(header[4..]);

    public static long ReadOffset(ReadOnlySpan<byte> header) => BinaryPrimitives.ReadInt64LittleEndian(header[8..]);

    public static long ReadTimestamp(ReadOnlySpan<byte> header) => BinaryPrimitives.ReadInt64LittleEndian(header[16..]);

    /// <summary>Whether a whole framed record (header and payload) carries a matching CRC.</summary>
    public static bool CrcMatches(ReadOnlySpan<byte> framed) =>
        BinaryPrimitives.ReadUInt32LittleEndian(framed) == Crc32C.Compute(framed[CrcStart..]);
}
