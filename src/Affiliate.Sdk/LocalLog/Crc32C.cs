using System.Buffers.Binary;
using System.Numerics;

namespace Affiliate.Sdk.LocalLog;

/// <summary>CRC-32C (Castagnoli), hardware-accelerated where the CPU has it (SSE 4.2, ARMv8 CRC).</summary>
internal static class Crc32C
{
    /// <summary>Computes the CRC-32C of a span.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => ~Append(uint.MaxValue, data);

    /// <summary>Continues a raw (not yet inverted) CRC over more data.</summary>
    private static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        while (data.Length >= sizeof(ulong))
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[sizeof(ulong)..];
        }

        if (data.Length >= sizeof(uint))
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt32LittleEndian(data));
            data = data[sizeof(uint)..];
        }

        foreach (var b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return crc;
    }
}
