using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Affiliate.Sdk.Capture;

/// <summary>
/// Creates RFC 9562 version 7 UUIDs (48-bit Unix milliseconds, then 74 random bits) like <see cref="Guid.CreateVersion7(DateTimeOffset)"/>,
/// but draws the random bits from a per-thread buffer refilled from the cryptographic generator, so the click hot
/// path does not call the generator for every event.
/// </summary>
internal static class UuidV7
{
    private const int RandomBytes = 10;
    private const int BufferBytes = RandomBytes * 256;

    [ThreadStatic]
    private static byte[]? t_buffer;

    [ThreadStatic]
    private static int t_offset;

    public static Guid Create(DateTimeOffset timestamp)
    {
        var buffer = t_buffer ??= new byte[BufferBytes];
        if (t_offset == 0 || t_offset + RandomBytes > BufferBytes)
        {
            RandomNumberGenerator.Fill(buffer);
            t_offset = 0;
        }

        var random = buffer.AsSpan(t_offset, RandomBytes);
        t_offset += RandomBytes;

        Span<byte> bytes = stackalloc byte[16];
        var ms = (ulong)timestamp.ToUnixTimeMilliseconds();
        BinaryPrimitives.WriteUInt64BigEndian(bytes, ms << 16);
        random.CopyTo(bytes[6..]);
        bytes[6] = (byte)(0x70 | (bytes[6] & 0x0F)); // version 7
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F)); // variant 10xx
        random.Clear();
        return new Guid(bytes, bigEndian: true);
    }
}
