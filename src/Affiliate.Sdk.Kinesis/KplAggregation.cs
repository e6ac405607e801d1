using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace Affiliate.Sdk.Kinesis;

/// <summary>One user record inside (or outside) a KPL aggregate.</summary>
internal readonly record struct UserRecord(string PartitionKey, ReadOnlyMemory<byte> Data);

/// <summary>
/// The KPL aggregated-record format read by the KCL and the AWS de-aggregation libraries:
/// magic <c>F3 89 9A C2</c> ‖ protobuf (proto2) <c>AggregatedRecord</c> ‖ MD5 of the protobuf bytes. Written by hand:
/// <c>AggregatedRecord { repeated string partition_key_table = 1; repeated string explicit_hash_key_table = 2;
/// repeated Record records = 3; }</c>, <c>Record { required uint64 partition_key_index = 1;
/// optional uint64 explicit_hash_key_index = 2; required bytes data = 3; repeated Tag tags = 4; }</c>.
/// </summary>
internal static class KplAggregation
{
    public const int MagicLength = 4;
    public const int DigestLength = 16;
    public const int Overhead = MagicLength + DigestLength;
    public static ReadOnlySpan<byte> Magic => [0xF3, 0x89, 0x9A, 0xC2];

    private const byte PartitionKeyTableTag = (1 << 3) | 2;
    private const byte RecordsTag = (3 << 3) | 2;
    private const byte PartitionKeyIndexTag = (1 << 3) | 0;
    private const byte DataTag = (3 << 3) | 2;

    public static int VarintLength(ulong value)
    {
        var length = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            length++;
        }

        return length;
    }

    /// <summary>Protobuf bytes a record adds to an aggregate whose key table gets <paramref name="newKeyBytes"/> (0 when the key is already in it).</summary>
    public static int RecordSize(int keyIndex, int dataLength, int newKeyBytes)
    {
        var inner = 1 + VarintLength((ulong)keyIndex) + 1 + VarintLength((ulong)dataLength) + dataLength;
        var size = 1 + VarintLength((ulong)inner) + inner;
        return newKeyBytes < 0 ? size : size + (newKeyBytes == 0 ? 0 : 1 + VarintLength((ulong)newKeyBytes) + newKeyBytes);
    }

    /// <summary>Encodes an aggregate of the records (with their partition keys in a de-duplicated table).</summary>
    [SuppressMessage("Security", "CA5351", Justification = "MD5 is mandated by the KPL format and Kinesis hash keys; not used for security.")]
    public static byte[] Encode(IReadOnlyList<UserRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var keys = new Dictionary<string, int>(StringComparer.Ordinal);
        var keyList = new List<byte[]>();
        var indices = new int[records.Count];
        for (var i = 0; i < records.Count; i++)
        {
            if (!keys.TryGetValue(records[i].PartitionKey, out var index))
            {
                index = keyList.Count;
                keys.Add(records[i].PartitionKey, index);
                keyList.Add(Encoding.UTF8.GetBytes(records[i].PartitionKey));
            }

            indices[i] = index;
        }

        var protobufLength = 0;
        foreach (var key in keyList)
        {
            protobufLength += 1 + VarintLength((ulong)key.Length) + key.Length;
        }

        for (var i = 0; i < records.Count; i++)
        {
            protobufLength += RecordSize(indices[i], records[i].Data.Length, -1);
        }

        var result = new byte[Overhead + protobufLength];
        Magic.CopyTo(result);
        var span = result.AsSpan(MagicLength, protobufLength);
        var at = 0;
        foreach (var key in keyList)
        {
            span[at++] = PartitionKeyTableTag;
            at += WriteVarint(span[at..], (ulong)key.Length);
            key.CopyTo(span[at..]);
            at += key.Length;
        }

        for (var i = 0; i < records.Count; i++)
        {
            var data = records[i].Data.Span;
            var inner = 1 + VarintLength((ulong)indices[i]) + 1 + VarintLength((ulong)data.Length) + data.Length;
            span[at++] = RecordsTag;
            at += WriteVarint(span[at..], (ulong)inner);
            span[at++] = PartitionKeyIndexTag;
            at += WriteVarint(span[at..], (ulong)indices[i]);
            span[at++] = DataTag;
            at += WriteVarint(span[at..], (ulong)data.Length);
            data.CopyTo(span[at..]);
            at += data.Length;
        }

        MD5.HashData(span, result.AsSpan(MagicLength + protobufLength));
        return result;
    }

    /// <summary>Whether the bytes are a KPL aggregate: magic, a digest that matches and a protobuf body that parses.</summary>
    [SuppressMessage("Security", "CA5351", Justification = "MD5 is mandated by the KPL format and Kinesis hash keys; not used for security.")]
    public static bool TryDecode(ReadOnlyMemory<byte> record, out List<UserRecord> records)
    {
        records = [];
        var span = record.Span;
        if (span.Length < Overhead || !span.StartsWith(Magic))
        {
            return false;
        }

        var body = record[MagicLength..^DigestLength];
        Span<byte> digest = stackalloc byte[DigestLength];
        MD5.HashData(body.Span, digest);
        if (!digest.SequenceEqual(span[^DigestLength..]))
        {
            return false;
        }

        try
        {
            return Parse(body, records);
        }
        catch (FormatException)
        {
            records = [];
            return false;
        }
    }

    private static bool Parse(ReadOnlyMemory<byte> body, List<UserRecord> records)
    {
        var keys = new List<string>();
        var pending = new List<(ulong KeyIndex, ReadOnlyMemory<byte> Data)>();
        var at = 0;
        var span = body.Span;
        while (at < span.Length)
        {
            var tag = ReadVarint(span, ref at);
            switch (tag)
            {
                case PartitionKeyTableTag:
                    keys.Add(Encoding.UTF8.GetString(ReadBytes(body, ref at).Span));
                    break;
                case RecordsTag:
                    pending.Add(ParseRecord(ReadBytes(body, ref at)));
                    break;
                default:
                    Skip(body, ref at, tag);
                    break;
            }
        }

        foreach (var (keyIndex, data) in pending)
        {
            if (keyIndex >= (ulong)keys.Count)
            {
                return false;
            }

            records.Add(new UserRecord(keys[(int)keyIndex], data));
        }

        return true;
    }

    private static (ulong KeyIndex, ReadOnlyMemory<byte> Data) ParseRecord(ReadOnlyMemory<byte> record)
    {
        ulong? keyIndex = null;
        ReadOnlyMemory<byte>? data = null;
        var at = 0;
        while (at < record.Length)
        {
            var tag = ReadVarint(record.Span, ref at);
            switch (tag)
            {
                case PartitionKeyIndexTag:
                    keyIndex = ReadVarint(record.Span, ref at);
                    break;
                case DataTag:
                    data = ReadBytes(record, ref at);
                    break;
                default:
                    Skip(record, ref at, tag);
                    break;
            }
        }

        return keyIndex is { } k && data is { } d ? (k, d) : throw new FormatException("A record lacks its partition key index or data.");
    }

    private static void Skip(ReadOnlyMemory<byte> buffer, ref int at, ulong tag)
    {
        switch (tag & 7)
        {
            case 0:
                ReadVarint(buffer.Span, ref at);
                break;
            case 1:
                at += 8;
                break;
            case 2:
                ReadBytes(buffer, ref at);
                break;
            case 5:
                at += 4;
                break;
            default:
                throw new FormatException($"Unsupported protobuf wire type {tag & 7}.");
        }

        if (at > buffer.Length)
        {
            throw new FormatException("Truncated protobuf field.");
        }
    }

    private static ReadOnlyMemory<byte> ReadBytes(ReadOnlyMemory<byte> buffer, ref int at)
    {
        var length = ReadVarint(buffer.Span, ref at);
        if (length > (ulong)(buffer.Length - at))
        {
            throw new FormatException("A length-delimited field runs past the end.");
        }

        var result = buffer.Slice(at, (int)length);
        at += (int)length;
        return result;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> span, ref int at)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (at >= span.Length)
            {
                throw new FormatException("Truncated varint.");
            }

            var b = span[at++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw new FormatException("Varint longer than 64 bits.");
    }

    private static int WriteVarint(Span<byte> span, ulong value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[i++] = (byte)value;
        return i;
    }
}

/// <summary>Kinesis hash keys: MD5 of the UTF-8 partition key read as a big-endian unsigned 128-bit integer.</summary>
internal static class HashKeys
{
    [SuppressMessage("Security", "CA5351", Justification = "MD5 is mandated by the KPL format and Kinesis hash keys; not used for security.")]
    public static UInt128 Of(string partitionKey)
    {
        var length = Encoding.UTF8.GetByteCount(partitionKey);
        Span<byte> utf8 = length <= 1024 ? stackalloc byte[length] : new byte[length];
        Encoding.UTF8.GetBytes(partitionKey, utf8);
        Span<byte> digest = stackalloc byte[16];
        MD5.HashData(utf8, digest);
        return BinaryPrimitives.ReadUInt128BigEndian(digest);
    }
}
