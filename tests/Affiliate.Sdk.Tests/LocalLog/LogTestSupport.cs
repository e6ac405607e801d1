using System.Buffers.Binary;
using System.Text;
using Affiliate.Sdk.LocalLog;
using Microsoft.Extensions.Logging.Abstractions;

namespace Affiliate.Sdk.Tests.LocalLog;

/// <summary>A log directory under the temp folder, deleted at the end of the test.</summary>
internal sealed class TempLogDirectory : IDisposable
{
    public TempLogDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "affiliate-sdk-log-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public DurableLog Open(long segmentBytes = 1024 * 1024, int maxBatchBytes = 1024 * 1024, IReadOnlyCollection<string>? consumers = null, bool fsync = true, int syncsInFlight = 1) =>
        DurableLog.Open(Settings(segmentBytes, maxBatchBytes, consumers, fsync) with { SyncsInFlight = syncsInFlight }, NullLogger.Instance);

    public DurableLogSettings Settings(long segmentBytes = 1024 * 1024, int maxBatchBytes = 1024 * 1024, IReadOnlyCollection<string>? consumers = null, bool fsync = true) =>
        new(Path, "test", segmentBytes, fsync, maxBatchBytes, 1024 * 1024, consumers ?? []);

    public string[] SegmentFiles() =>
        [.. Directory.GetFiles(Path, "*.log").Order(StringComparer.Ordinal)];

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

internal static class LogTestExtensions
{
    public static byte[] Payload(long i, int size = 0)
    {
        var text = $"record-{i}-" + new string((char)('a' + (int)(i % 26)), size);
        return Encoding.UTF8.GetBytes(text);
    }

    /// <summary>
    /// The end position of each whole record in a segment file, from its framing; the walk stops at the first frame that
    /// is cut short, has a bad length or fails its CRC (a torn tail, or preallocated zeros).
    /// </summary>
    public static List<long> RecordEnds(byte[] segment)
    {
        var ends = new List<long>();
        var position = 0L;
        while (position + RecordFormat.HeaderSize <= segment.Length)
        {
            var framed = segment.AsSpan((int)position);
            var length = BinaryPrimitives.ReadInt32LittleEndian(framed[4..]);
            if (length < 0 || position + RecordFormat.FramedSize(length) > segment.Length || !RecordFormat.CrcMatches(framed[..RecordFormat.FramedSize(length)]))
            {
                break;
            }

            position += RecordFormat.FramedSize(length);
            ends.Add(position);
        }

        return ends;
    }

    public static List<LogRecord> ReadAll(this DurableLog log, long from = 0)
    {
        using var reader = log.CreateReader(from);
        var all = new List<LogRecord>();
        while (true)
        {
            var batch = reader.Read(1000);
            if (batch.Count == 0)
            {
                return all;
            }

            all.AddRange(batch);
        }
    }

    public static async Task<T> WithDeadline<T>(this Task<T> task, int seconds = 30) =>
        await task.WaitAsync(TimeSpan.FromSeconds(seconds));

    public static async Task WithDeadline(this Task task, int seconds = 30) =>
        await task.WaitAsync(TimeSpan.FromSeconds(seconds));
}
