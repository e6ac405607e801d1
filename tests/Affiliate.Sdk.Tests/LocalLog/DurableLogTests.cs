using System.Collections.Concurrent;
using Affiliate.Sdk.LocalLog;

namespace Affiliate.Sdk.Tests.LocalLog;

public sealed class DurableLogTests
{
    [Fact]
    public async Task Appended_records_read_back_in_order_with_dense_offsets()
    {
        using var dir = new TempLogDirectory();
        await using var log = dir.Open();

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(i, await log.AppendAsync(LogTestExtensions.Payload(i), CancellationToken.None));
        }

        var records = log.ReadAll();
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), records.Select(r => r.Offset));
        Assert.All(records, r => Assert.Equal(LogTestExtensions.Payload(r.Offset), r.Payload.ToArray()));
        Assert.Equal(10, log.DurableNextOffset);
    }

    [Fact]
    public async Task A_batch_gets_consecutive_offsets_and_returns_the_first()
    {
        using var dir = new TempLogDirectory();
        await using var log = dir.Open();
        await log.AppendAsync(LogTestExtensions.Payload(0), CancellationToken.None);

        var payloads = Enumerable.Range(1, 5).Select(i => LogTestExtensions.Payload(i)).ToArray();
        var first = await log.AppendBatchAsync(payloads.SelectMany(p => p).ToArray(), payloads.Select(p => p.Length).ToArray(), CancellationToken.None);

        Assert.Equal(1, first);
        Assert.Equal(Enumerable.Range(0, 6).Select(i => LogTestExtensions.Payload(i)), log.ReadAll().Select(r => r.Payload.ToArray()));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task Concurrent_appenders_get_unique_gap_free_offsets_and_every_record_reads_back(int syncsInFlight)
    {
        using var dir = new TempLogDirectory();
        await using var log = dir.Open(segmentBytes: 64 * 1024, maxBatchBytes: 8 * 1024, syncsInFlight: syncsInFlight);
        var acknowledged = new ConcurrentDictionary<long, byte[]>();

        await Task.WhenAll(Enumerable.Range(0, 64).Select(writer => Task.Run(async () =>
        {
            for (var i = 0; i < 50; i++)
            {
                var payload = LogTestExtensions.Payload((writer * 1000) + i, size: i * 7);
                if (i % 5 == 4)
                {
                    var pair = payload.Concat(payload).ToArray();
                    var first = await log.AppendBatchAsync(pair, new[] { payload.Length, payload.Length }, CancellationToken.None);
                    Assert.True(acknowledged.TryAdd(first, payload));
                    Assert.True(acknowledged.TryAdd(first + 1, payload));
                }
                else
                {
                    Assert.True(acknowledged.TryAdd(await log.AppendAsync(payload, CancellationToken.None), payload));
                }
            }
        }))).WithDeadline(60);

        var expectedCount = 64 * 60;
        Assert.Equal(Enumerable.Range(0, expectedCount).Select(i => (long)i), acknowledged.Keys.Order());
        var records = log.ReadAll();
        Assert.Equal(expectedCount, records.Count);
        Assert.All(records, r => Assert.Equal(acknowledged[r.Offset], r.Payload.ToArray()));
        Assert.True(log.SegmentCount > 1, "the test should cross segment boundaries");
    }

    [Fact]
    public async Task Records_survive_reopen_and_appends_continue_after_them()
    {
        using var dir = new TempLogDirectory();
        await using (var log = dir.Open(segmentBytes: 4096))
        {
            for (var i = 0; i < 100; i++)
            {
                await log.AppendAsync(LogTestExtensions.Payload(i, 50), CancellationToken.None);
            }
        }

        await using var reopened = dir.Open(segmentBytes: 4096);
        Assert.Equal(100, reopened.DurableNextOffset);
        Assert.Equal(100, await reopened.AppendAsync(LogTestExtensions.Payload(100, 50), CancellationToken.None));
        Assert.Equal(Enumerable.Range(0, 101).Select(i => LogTestExtensions.Payload(i, 50)), reopened.ReadAll().Select(r => r.Payload.ToArray()));
    }

    [Fact]
    public async Task Consumer_offsets_survive_reopen_and_never_move_backwards()
    {
        using var dir = new TempLogDirectory();
        await using (var log = dir.Open(consumers: ["lake", "audit"]))
        {
            for (var i = 0; i < 10; i++)
            {
                await log.AppendAsync(LogTestExtensions.Payload(i), CancellationToken.None);
            }

            await log.CommitAsync("lake", 7, CancellationToken.None);
            await log.CommitAsync("lake", 3, CancellationToken.None);
            await log.CommitAsync("audit", 2, CancellationToken.None);
        }

        await using var reopened = dir.Open();
        var offsets = reopened.CommittedOffsets();
        Assert.Equal(7, offsets["lake"]);
        Assert.Equal(2, offsets["audit"]);
        Assert.False(File.Exists(Path.Combine(dir.Path, "lake.offset.tmp")));
    }

    [Fact]
    public async Task Committing_past_the_end_of_the_log_is_refused()
    {
        using var dir = new TempLogDirectory();
        await using var log = dir.Open();
        await log.AppendAsync(LogTestExtensions.Payload(0), CancellationToken.None);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await log.CommitAsync("lake", 2, CancellationToken.None));
    }

    [Fact]
    public async Task Retention_deletes_only_segments_every_consumer_passed()
    {
        using var dir = new TempLogDirectory();
        await using var log = dir.Open(segmentBytes: 4096, consumers: ["lake", "audit"]);
        for (var i = 0; i < 200; i++)
        {
            await log.AppendAsync(LogTestExtensions.Payload(i, 100), CancellationToken.None);
        }

        var before = dir.SegmentFiles();
        Assert.True(before.Length >= 4);

        // Only one consumer passed everything: nothing may go.
        await log.CommitAsync("lake", 200, CancellationToken.None);
        Assert.Equal(before, dir.SegmentFiles());

        // The other passed the first two segments (its offset is the base of the third).
        var third = log.FindSegment(0);
        third = log.SegmentAfter(log.SegmentAfter(third)!)!;
        await log.CommitAsync("audit", third.BaseOffset, CancellationToken.None);
        Assert.Equal(before[2..], dir.SegmentFiles());
        Assert.Equal(third.BaseOffset, log.StartOffset);

        // Everything from the slowest consumer's offset on still reads back whole.
        var records = log.ReadAll(third.BaseOffset);
        Assert.Equal(Enumerable.Range((int)third.BaseOffset, 200 - (int)third.BaseOffset).Select(i => (long)i), records.Select(r => r.Offset));

        // Passing everything keeps the active segment.
        await log.CommitAsync("audit", 200, CancellationToken.None);
        Assert.Single(dir.SegmentFiles());
    }

    [Fact]
    public async Task A_reopened_log_keeps_the_retained_start_offset()
    {
        using var dir = new TempLogDirectory();
        long start;
        await using (var log = dir.Open(segmentBytes: 4096))
        {
            for (var i = 0; i < 100; i++)
            {
                await log.AppendAsync(LogTestExtensions.Payload(i, 100), CancellationToken.None);
            }

            await log.CommitAsync("lake", 100, CancellationToken.None);
            start = log.StartOffset;
            Assert.True(start > 0);
        }

        await using var reopened = dir.Open(segmentBytes: 4096);
        Assert.Equal(start, reopened.StartOffset);
        Assert.Equal(100, reopened.DurableNextOffset);
        Assert.Equal(Enumerable.Range((int)start, 100 - (int)start).Select(i => (long)i), reopened.ReadAll().Select(r => r.Offset));
    }

    [Fact]
    public async Task Damage_inside_a_sealed_segment_is_reported_not_skipped()
    {
        using var dir = new TempLogDirectory();
        await using (var log = dir.Open(segmentBytes: 4096))
        {
            for (var i = 0; i < 100; i++)
            {
                await log.AppendAsync(LogTestExtensions.Payload(i, 100), CancellationToken.None);
            }
        }

        var sealedSegment = dir.SegmentFiles()[0];
        var bytes = await File.ReadAllBytesAsync(sealedSegment);
        bytes[bytes.Length / 2] ^= 0x5A;
        await File.WriteAllBytesAsync(sealedSegment, bytes);

        await using var reopened = dir.Open(segmentBytes: 4096);
        var error = Assert.Throws<LocalLogCorruptedException>(() => reopened.ReadAll());
        Assert.Equal(sealedSegment, error.FilePath);
        Assert.False(error.IsRetryable);
    }

    [Fact]
    public async Task A_truncated_sealed_segment_is_reported_as_missing_records()
    {
        using var dir = new TempLogDirectory();
        await using (var log = dir.Open(segmentBytes: 4096))
        {
            for (var i = 0; i < 100; i++)
            {
                await log.AppendAsync(LogTestExtensions.Payload(i, 100), CancellationToken.None);
            }
        }

        var sealedSegment = dir.SegmentFiles()[0];
        var bytes = await File.ReadAllBytesAsync(sealedSegment);
        await File.WriteAllBytesAsync(sealedSegment, bytes[..^(bytes.Length / 3)]);

        await using var reopened = dir.Open(segmentBytes: 4096);
        Assert.Throws<LocalLogCorruptedException>(() => reopened.ReadAll());
    }

    [Fact]
    public async Task A_damaged_offsets_file_fails_the_open_naming_the_file()
    {
        using var dir = new TempLogDirectory();
        await using (var log = dir.Open())
        {
            await log.AppendAsync(LogTestExtensions.Payload(0), CancellationToken.None);
            await log.CommitAsync("lake", 1, CancellationToken.None);
        }

        var file = Path.Combine(dir.Path, "lake.offset");
        var bytes = await File.ReadAllBytesAsync(file);
        bytes[9] ^= 1;
        await File.WriteAllBytesAsync(file, bytes);

        var error = Assert.Throws<LocalLogCorruptedException>(() => dir.Open());
        Assert.Contains("lake.offset", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_record_larger_than_the_limit_is_refused()
    {
        using var dir = new TempLogDirectory();
        await using var log = DurableLog.Open(dir.Settings() with { MaxRecordBytes = 10 }, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);

        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await log.AppendAsync(new byte[11], CancellationToken.None));
        Assert.Contains("MaxRecordBytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Appends_after_dispose_are_refused_and_queued_ones_complete()
    {
        using var dir = new TempLogDirectory();
        var log = dir.Open();
        var pending = Enumerable.Range(0, 100).Select(i => log.AppendAsync(LogTestExtensions.Payload(i), CancellationToken.None).AsTask()).ToArray();
        await log.DisposeAsync();

        Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i), (await Task.WhenAll(pending)).Order());
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await log.AppendAsync(LogTestExtensions.Payload(0), CancellationToken.None));
    }

    [Fact]
    public async Task A_reader_sees_records_appended_after_it_was_created_across_segment_rolls()
    {
        using var dir = new TempLogDirectory();
        await using var log = dir.Open(segmentBytes: 4096);
        using var reader = log.CreateReader(0);
        var seen = new List<long>();
        for (var i = 0; i < 100; i++)
        {
            await log.AppendAsync(LogTestExtensions.Payload(i, 100), CancellationToken.None);
            seen.AddRange(reader.Read(7).Select(r => r.Offset));
        }

        seen.AddRange(reader.Read(1000).Select(r => r.Offset));
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i), seen);
    }

    [Fact]
    public async Task A_cancelled_append_is_refused_and_a_cancelled_wait_still_leaves_the_record_durable()
    {
        using var dir = new TempLogDirectory();
        await using var log = dir.Open();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await log.AppendAsync(LogTestExtensions.Payload(0), cancelled.Token));
        Assert.Equal(0, log.DurableNextOffset);

        using var live = new CancellationTokenSource();
        var offset = await log.AppendAsync(LogTestExtensions.Payload(0), live.Token);
        Assert.Equal(0, offset);
        Assert.Single(log.ReadAll());
    }

    [Fact]
    public async Task A_wait_cancelled_while_the_group_syncs_ends_at_once_and_the_record_still_becomes_durable()
    {
        using var dir = new TempLogDirectory();
        await using var log = dir.Open();
        using var release = new ManualResetEventSlim();
        log.BeforeSyncForTests = () => release.Wait(TimeSpan.FromSeconds(30));
        using var cancel = new CancellationTokenSource();

        var pending = log.AppendAsync(LogTestExtensions.Payload(0, 40), cancel.Token).AsTask();
        await Task.Delay(50);
        Assert.False(pending.IsCompleted, "the append completed while its fsync was held");
        await cancel.CancelAsync();
        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.WithDeadline(10));
        Assert.Equal(cancel.Token, error.CancellationToken);
        Assert.Equal(0, log.DurableNextOffset);

        release.Set();
        log.BeforeSyncForTests = null;
        for (var i = 1; i <= 3; i++)
        {
            using var live = new CancellationTokenSource();
            Assert.Equal(i, await log.AppendAsync(LogTestExtensions.Payload(i, 40), i == 2 ? live.Token : CancellationToken.None).AsTask().WithDeadline());
        }

        Assert.Equal(Enumerable.Range(0, 4).Select(i => LogTestExtensions.Payload(i, 40)), log.ReadAll().Select(r => r.Payload.ToArray()));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Appenders_cancelled_at_random_moments_never_get_another_appends_offset(int syncsInFlight)
    {
        // Completions are pooled: one released by a cancellation and then by the writer must not reach a later append.
        using var dir = new TempLogDirectory();
        await using var log = dir.Open(segmentBytes: 256 * 1024, syncsInFlight: syncsInFlight);
        var succeeded = new System.Collections.Concurrent.ConcurrentBag<(long Offset, long Id)>();
        var cancelledWaits = 0;
        var appenders = Enumerable.Range(0, 16).Select(a => Task.Run(async () =>
        {
            var random = new Random(a);
            for (var i = 0; i < 150; i++)
            {
                var id = (a * 1000L) + i;
                using var cancel = new CancellationTokenSource();
                var token = random.Next(3) switch { 0 => CancellationToken.None, _ => cancel.Token };
                if (token.CanBeCanceled)
                {
                    cancel.CancelAfter(TimeSpan.FromTicks(random.Next(0, 3_000)));
                }

                try
                {
                    succeeded.Add((await log.AppendAsync(LogTestExtensions.Payload(id, 24), token), id));
                }
                catch (OperationCanceledException)
                {
                    Interlocked.Increment(ref cancelledWaits);
                }
            }
        })).ToArray();
        await Task.WhenAll(appenders).WithDeadline(60);

        var records = log.ReadAll().ToDictionary(r => r.Offset, r => r.Payload.ToArray());
        Assert.All(succeeded, s => Assert.Equal(LogTestExtensions.Payload(s.Id, 24), records[s.Offset]));
        Assert.Equal(succeeded.Count, succeeded.Select(s => s.Offset).Distinct().Count());
        Assert.Equal(records.Count, records.Values.Select(Convert.ToBase64String).Distinct().Count());
        Assert.InRange(records.Count, succeeded.Count, succeeded.Count + cancelledWaits);
        Assert.True(cancelledWaits > 0 && !succeeded.IsEmpty, $"the run did not mix outcomes ({cancelledWaits} cancelled, {succeeded.Count} durable)");
    }

    [FsCheck.Xunit.Property(MaxTest = 15)]
    public async Task Any_mix_of_concurrent_appends_and_batches_gets_dense_offsets_that_read_back_exactly(FsCheck.PositiveInt appenders, FsCheck.PositiveInt appends, FsCheck.PositiveInt batch)
    {
        var writers = Math.Min(appenders.Get, 32);
        var perWriter = Math.Min(appends.Get, 20);
        var batchSize = Math.Min(batch.Get, 9);
        using var dir = new TempLogDirectory();

        // One committer, or several with group commits syncing at once (rolls wait for every sync of the old segment).
        await using var log = dir.Open(segmentBytes: 8192, maxBatchBytes: 4096, syncsInFlight: 1 + (appenders.Get % 3));
        var acknowledged = new ConcurrentDictionary<long, byte[]>();

        await Task.WhenAll(Enumerable.Range(0, writers).Select(writer => Task.Run(async () =>
        {
            for (var i = 0; i < perWriter; i++)
            {
                var payloads = Enumerable.Range(0, (i % batchSize) + 1).Select(j => LogTestExtensions.Payload((writer * 10_000) + (i * 10) + j, j * 13)).ToArray();
                var first = await log.AppendBatchAsync(payloads.SelectMany(p => p).ToArray(), payloads.Select(p => p.Length).ToArray(), CancellationToken.None);
                for (var j = 0; j < payloads.Length; j++)
                {
                    Assert.True(acknowledged.TryAdd(first + j, payloads[j]), $"offset {first + j} was handed out twice");
                }
            }
        }))).WithDeadline(60);

        Assert.Equal(Enumerable.Range(0, acknowledged.Count).Select(i => (long)i), acknowledged.Keys.Order());
        var records = log.ReadAll();
        Assert.Equal(acknowledged.Count, records.Count);
        Assert.All(records, r => Assert.Equal(acknowledged[r.Offset], r.Payload.ToArray()));
    }
}
