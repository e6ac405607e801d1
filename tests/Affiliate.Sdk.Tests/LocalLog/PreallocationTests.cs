using Affiliate.Sdk.LocalLog;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Affiliate.Sdk.Tests.LocalLog;

/// <summary>
/// With fsync on, the active segment is zero-filled ahead of its end so that group commits overwrite allocated bytes
/// (a cheaper fsync). A kill leaves those zeros — and possibly part of an unacknowledged group over them — behind; a
/// sealed or cleanly closed segment never carries them.
/// </summary>
public sealed class PreallocationTests
{
    public sealed record Kill(int Records, int PayloadSize, double CutAt, bool TornGroup, int Seed);

    public static class Kills
    {
        public static Arbitrary<Kill> Kill() =>
            (from records in Gen.Choose(1, 60)
             from size in Gen.Choose(0, 400)
             from cut in Gen.Choose(0, 1000)
             from torn in Gen.Elements(true, false)
             from seed in Gen.Choose(0, int.MaxValue)
             select new Kill(records, size, cut / 1000.0, torn, seed)).ToArbitrary();
    }

    /// <summary>Where the whole records end (the data before any zeros or torn bytes).</summary>
    private static long DataEnd(byte[] segment) => LogTestExtensions.RecordEnds(segment).DefaultIfEmpty(0).Last();

    [Fact]
    public async Task An_open_segment_is_zero_filled_ahead_and_a_clean_close_trims_it_to_its_last_record()
    {
        using var dir = new TempLogDirectory();
        var log = dir.Open();
        for (var i = 0; i < 10; i++)
        {
            await log.AppendAsync(LogTestExtensions.Payload(i, 100), CancellationToken.None);
        }

        var path = dir.SegmentFiles().Single();
        var whileOpen = await ReadSharedAsync(path);
        var dataEnd = DataEnd(whileOpen);
        Assert.Equal(10 * RecordFormat.FramedSize(LogTestExtensions.Payload(0, 100).Length), dataEnd);
        Assert.True(whileOpen.Length >= DurableLog.PreallocationChunk, $"the open segment holds {whileOpen.Length} bytes; expected at least one preallocated chunk");
        Assert.False(whileOpen.AsSpan((int)dataEnd).ContainsAnyExcept((byte)0), "the preallocated space is not all zeros");

        await log.DisposeAsync();
        Assert.Equal(dataEnd, new FileInfo(path).Length);
    }

    [Fact]
    public async Task Without_fsync_nothing_is_preallocated()
    {
        using var dir = new TempLogDirectory();
        await using var log = dir.Open(fsync: false);
        await log.AppendAsync(LogTestExtensions.Payload(0, 100), CancellationToken.None);
        var path = dir.SegmentFiles().Single();
        Assert.Equal(RecordFormat.FramedSize(LogTestExtensions.Payload(0, 100).Length), (await ReadSharedAsync(path)).Length);
    }

    [Fact]
    public async Task Sealed_segments_end_at_their_last_record_so_readers_never_meet_preallocated_zeros()
    {
        using var dir = new TempLogDirectory();
        const int Records = 400;
        await using (var log = dir.Open(segmentBytes: 8 * 1024))
        {
            for (var i = 0; i < Records; i++)
            {
                await log.AppendAsync(LogTestExtensions.Payload(i, 200), CancellationToken.None);
            }

            var files = dir.SegmentFiles();
            Assert.True(files.Length > 3, $"expected several segments, got {files.Length}");
            foreach (var sealedFile in files[..^1])
            {
                var bytes = await ReadSharedAsync(sealedFile);
                Assert.Equal(bytes.Length, DataEnd(bytes));
            }

            Assert.Equal(Enumerable.Range(0, Records).Select(i => (long)i), log.ReadAll().Select(r => r.Offset));
        }

        // A reopen treats sealed segments by their file length: every record is still read back.
        await using var reopened = dir.Open(segmentBytes: 8 * 1024);
        Assert.Equal(Records, reopened.DurableNextOffset);
        Assert.All(reopened.ReadAll(), r => Assert.Equal(LogTestExtensions.Payload(r.Offset, 200), r.Payload.ToArray()));
    }

    /// <summary>
    /// A kill leaves the open segment as it was on disk: acknowledged records, then zeros, or part of the group being
    /// written over those zeros (cut anywhere). Reopening keeps every whole record before the cut, keeps a zero tail as
    /// preallocated space, and appends continue over it.
    /// </summary>
    [Property(MaxTest = 40, Arbitrary = [typeof(Kills)])]
    public async Task A_log_killed_with_preallocated_space_reopens_with_every_whole_record_before_the_cut(Kill kill)
    {
        using var dir = new TempLogDirectory();
        byte[] snapshot;
        var log = dir.Open();
        for (var i = 0; i < kill.Records; i++)
        {
            Assert.Equal(i, await log.AppendAsync(LogTestExtensions.Payload(i, kill.PayloadSize), CancellationToken.None));
        }

        var path = dir.SegmentFiles().Single();
        snapshot = await ReadSharedAsync(path);
        await log.DisposeAsync();

        var dataEnd = (int)DataEnd(snapshot);
        var cut = (int)Math.Round(kill.CutAt * dataEnd);
        var damaged = (byte[])snapshot.Clone();
        if (!kill.TornGroup)
        {
            damaged.AsSpan(cut).Clear();
        }
        else
        {
            // The next group was being written when the process died: some of its bytes reached the file.
            var random = new Random(kill.Seed);
            var torn = new byte[Math.Min(random.Next(1, 2000), damaged.Length - dataEnd)];
            random.NextBytes(torn);
            cut = dataEnd;
            torn.CopyTo(damaged.AsSpan(dataEnd));
        }

        await File.WriteAllBytesAsync(path, damaged);
        var ends = new List<long>();
        for (long position = 0, i = 0; position < dataEnd; i++)
        {
            position += RecordFormat.FramedSize(LogTestExtensions.Payload(i, kill.PayloadSize).Length);
            ends.Add(position);
        }

        var survivors = ends.Count(end => end <= cut);
        await using (var reopened = dir.Open())
        {
            Assert.Equal(survivors, reopened.DurableNextOffset);
            Assert.Equal(Enumerable.Range(0, survivors).Select(i => (long)i), reopened.ReadAll().Select(r => r.Offset));
            Assert.All(reopened.ReadAll(), r => Assert.Equal(LogTestExtensions.Payload(r.Offset, kill.PayloadSize), r.Payload.ToArray()));
            for (var i = survivors; i < survivors + 5; i++)
            {
                Assert.Equal(i, await reopened.AppendAsync(LogTestExtensions.Payload(i, 10), CancellationToken.None));
            }
        }

        await using var again = dir.Open();
        Assert.Equal(survivors + 5, again.DurableNextOffset);
        Assert.Equal(Enumerable.Range(0, survivors + 5).Select(i => (long)i), again.ReadAll().Select(r => r.Offset));
    }

    [Fact]
    public async Task A_zero_tail_is_kept_as_preallocated_space_but_a_torn_tail_is_cut_off()
    {
        using var dir = new TempLogDirectory();
        var log = dir.Open();
        await log.AppendAsync(LogTestExtensions.Payload(0, 50), CancellationToken.None);
        var path = dir.SegmentFiles().Single();
        var snapshot = await ReadSharedAsync(path);
        await log.DisposeAsync();
        var dataEnd = (int)DataEnd(snapshot);

        // Kept while open, trimmed again by the clean close.
        await File.WriteAllBytesAsync(path, snapshot);
        var reopened = dir.Open();
        Assert.Equal(1, reopened.DurableNextOffset);
        Assert.Equal(snapshot.Length, (await ReadSharedAsync(path)).Length);
        await reopened.DisposeAsync();
        Assert.Equal(dataEnd, new FileInfo(path).Length);

        var torn = (byte[])snapshot.Clone();
        torn[dataEnd + 3] = 0x5A;
        await File.WriteAllBytesAsync(path, torn);
        var afterTorn = dir.Open();
        Assert.Equal(1, afterTorn.DurableNextOffset);

        // Cut off at the open (the log may have preallocated fresh zeros since): no byte of the torn tail is left.
        var whileOpen = await ReadSharedAsync(path);
        Assert.Equal(snapshot.AsSpan(0, dataEnd).ToArray(), whileOpen.AsSpan(0, dataEnd).ToArray());
        Assert.False(whileOpen.AsSpan(dataEnd).ContainsAnyExcept((byte)0), "the torn byte survived the open");
        await afterTorn.DisposeAsync();
        Assert.Equal(dataEnd, new FileInfo(path).Length);
    }

    [Fact]
    public async Task Without_fsync_nothing_is_preallocated_so_a_zero_tail_is_cut_like_any_torn_tail()
    {
        using var dir = new TempLogDirectory();
        await using (var log = dir.Open(fsync: false))
        {
            await log.AppendAsync(LogTestExtensions.Payload(0, 50), CancellationToken.None);
        }

        var path = dir.SegmentFiles().Single();
        var dataEnd = new FileInfo(path).Length;

        // A record torn after its first byte, which happened to be zero (a CI run met this with a real header byte).
        await using (var stream = new FileStream(path, FileMode.Append))
        {
            stream.WriteByte(0);
        }

        await using var reopened = dir.Open(fsync: false);
        Assert.Equal(1, reopened.DurableNextOffset);
        Assert.Equal(dataEnd, new FileInfo(path).Length);
    }

    private static async Task<byte[]> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }
}
