using Affiliate.Sdk.IO;
using System.Buffers.Binary;
using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace Affiliate.Sdk.LocalLog;

/// <summary>File names of a log directory and the small durable-write helpers (atomic replace, directory fsync).</summary>
internal static partial class DurableFiles
{
    public const string SegmentExtension = ".log";
    public const string OffsetExtension = ".offset";
    public const string TempExtension = ".tmp";

    private const uint OffsetMagic = 0x4F43_4641; // "AFCO" little-endian
    private const int OffsetFileSize = 16;

    public static string SegmentFileName(long baseOffset) =>
        baseOffset.ToString("D20", CultureInfo.InvariantCulture) + SegmentExtension;

    public static bool TryParseSegmentFileName(string fileName, out long baseOffset)
    {
        baseOffset = 0;
        return fileName.Length == 20 + SegmentExtension.Length
            && fileName.EndsWith(SegmentExtension, StringComparison.Ordinal)
            && long.TryParse(fileName.AsSpan(0, 20), NumberStyles.None, CultureInfo.InvariantCulture, out baseOffset);
    }

    public static string OffsetFileName(string consumer) => consumer + OffsetExtension;

    /// <summary>Reads a consumer offsets file: <c>magic:u32 | crc32c(offset):u32 | offset:i64</c>.</summary>
    public static long ReadOffsetFile(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length != OffsetFileSize
            || BinaryPrimitives.ReadUInt32LittleEndian(bytes) != OffsetMagic
            || BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(4)) != Crc32C.Compute(bytes.AsSpan(8, 8)))
        {
            throw new LocalLogCorruptedException(
                $"The consumer offsets file '{path}' is damaged (expected {OffsetFileSize} bytes with a matching CRC). " +
                "Restore it, or delete it to make the consumer start again from the beginning of the log.",
                path,
                0);
        }

        return BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(8));
    }

    /// <summary>Replaces a consumer offsets file atomically: temp file, fsync, rename, fsync of the directory.</summary>
    public static void WriteOffsetFile(string directory, string path, long offset, bool fsync)
    {
        Span<byte> bytes = stackalloc byte[OffsetFileSize];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, OffsetMagic);
        BinaryPrimitives.WriteInt64LittleEndian(bytes[8..], offset);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes[4..], Crc32C.Compute(bytes[8..]));
        var temp = path + TempExtension;
        using (var handle = File.OpenHandle(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            RandomAccess.Write(handle, bytes, 0);
            if (fsync)
            {
                RandomAccess.FlushToDisk(handle);
            }
        }

        File.Move(temp, path, overwrite: true);
        if (fsync)
        {
            DurableDirectory.Flush(directory);
        }
    }

    public static SafeFileHandle OpenForAppend(string path) =>
        File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete);

    public static SafeFileHandle OpenForRead(string path) =>
        File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
}
