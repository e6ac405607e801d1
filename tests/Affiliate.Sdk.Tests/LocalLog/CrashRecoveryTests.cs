using Affiliate.Sdk.LocalLog;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Affiliate.Sdk.Tests.LocalLog;

/// <summary>
/// A crash can leave the last segment cut anywhere, or with garbage where the last group commit was being written.
/// Whatever the cut, reopening keeps every acknowledged record that lies wholly before it, returns nothing after it,
/// and appends continue with the next offset.
/// </summary>
public sealed class CrashRecoveryTests
{
    public enum Damage
    {
        Truncate,
        Garbage,
        Zeros,
        TornAppend,
    }

    public sealed record Crash(int Records, int PayloadSize, double CutAt, Damage Damage, int Seed);

    public static class Crashes
    {
        public static Arbitrary<Crash> Crash() =>
            (from records in Gen.Choose(1, 80)
             from size in Gen.Choose(0, 300)
             from cut in Gen.Choose(0, 1000)
             from damage in Gen.Elements(Damage.Truncate, Damage.Garbage, Damage.Zeros, Damage.TornAppend)
             from seed in Gen.Choose(0, int.MaxValue)
             select new Crash(records, size, cut / 1000.0, damage, seed)).ToArbitrary();
    }

    [Property(MaxTest = 60, Arbitrary = [typeof(Crashes)])]
    public async Task Acknowledged_records_before_any_cut_survive_and_nothing_after_it_is_returned(Crash crash)
    {
        using var dir = new TempLogDirectory();
        const long segmentBytes = 4096;
        await using (var log = dir.Open(segmentBytes: segmentBytes))
        {
            for (var i = 0; i < crash.Records; i++)
            {
                Assert.Equal(i, await log.AppendAsync(LogTestExtensions.Payload(i, crash.PayloadSize), CancellationToken.None));
            }
        }

        var files = dir.SegmentFiles();
        var last = files[^1];
        var lastBase = long.Parse(Path.GetFileNameWithoutExtension(last), System.Globalization.CultureInfo.InvariantCulture);
        var bytes = await File.ReadAllBytesAsync(last);
        var cut = (int)Math.Round(crash.CutAt * bytes.Length);
        var random = new Random(crash.Seed);
        byte[] damaged;
        switch (crash.Damage)
        {
            case Damage.Truncate:
                damaged = bytes[..cut];
                break;
            case Damage.Garbage:
                damaged = (byte[])bytes.Clone();
                for (var i = cut; i < damaged.Length; i++)
                {
                    damaged[i] = i == cut ? (byte)(damaged[i] ^ random.Next(1, 256)) : (byte)random.Next(256);
                }

                break;
            case Damage.Zeros:
                damaged = (byte[])bytes.Clone();
                damaged.AsSpan(cut).Clear();
                break;
            default:
                // A torn next record: a header (maybe partial) and part of a payload after the last acknowledged record.
                cut = bytes.Length;
                var torn = new byte[random.Next(1, 200)];
                random.NextBytes(torn);
                damaged = [.. bytes, .. torn];
                break;
        }

        await File.WriteAllBytesAsync(last, damaged);

        // Records that lie wholly before the cut, in the last segment, plus every record of sealed segments.
        var survivors = lastBase + LogTestExtensions.RecordEnds(bytes).Count(end => end <= cut);
        await using (var reopened = dir.Open(segmentBytes: segmentBytes))
        {
            var records = reopened.ReadAll();
            Assert.Equal(survivors, reopened.DurableNextOffset);
            Assert.Equal(Enumerable.Range(0, (int)survivors).Select(i => (long)i), records.Select(r => r.Offset));
            Assert.All(records, r => Assert.Equal(LogTestExtensions.Payload(r.Offset, crash.PayloadSize), r.Payload.ToArray()));

            // Appends continue where the intact records end.
            for (var i = survivors; i < survivors + 5; i++)
            {
                Assert.Equal(i, await reopened.AppendAsync(LogTestExtensions.Payload(i, 10), CancellationToken.None));
            }
        }

        await using var again = dir.Open(segmentBytes: segmentBytes);
        Assert.Equal(survivors + 5, again.DurableNextOffset);
        Assert.Equal(Enumerable.Range(0, (int)survivors + 5).Select(i => (long)i), again.ReadAll().Select(r => r.Offset));
    }

    [Fact]
    public async Task A_cut_at_every_byte_of_the_last_segment_recovers_exactly_the_whole_records_before_it()
    {
        using var dir = new TempLogDirectory();
        await using (var log = dir.Open())
        {
            for (var i = 0; i < 12; i++)
            {
                await log.AppendAsync(LogTestExtensions.Payload(i, i * 3), CancellationToken.None);
            }
        }

        var path = dir.SegmentFiles().Single();
        var bytes = await File.ReadAllBytesAsync(path);
        var ends = LogTestExtensions.RecordEnds(bytes);
        for (var cut = 0; cut <= bytes.Length; cut++)
        {
            await File.WriteAllBytesAsync(path, bytes[..cut]);
            await using var reopened = dir.Open(fsync: false);
            var expected = ends.Count(end => end <= cut);
            Assert.Equal(expected, reopened.DurableNextOffset);
            Assert.Equal(expected, reopened.ReadAll().Count);
            Assert.Equal(ends.Where(end => end <= cut).DefaultIfEmpty(0).Max(), new FileInfo(path).Length);
        }
    }
}
