using System.Text;
using System.Text.RegularExpressions;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.Pipeline;
using FsCheck;
using FsCheck.Xunit;

namespace Affiliate.Sdk.Lake.Parquet.Tests;

public sealed partial class ParquetLakeWriterTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 9, 30, 0, TimeSpan.Zero);
    private readonly TempDirectory _dir = new();
    private readonly LocalDiskBlobStore _store;

    public ParquetLakeWriterTests() => _store = new LocalDiskBlobStore(_dir.Path);

    public void Dispose() => _dir.Dispose();

    private static async Task<List<T>> ToList<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items)
        {
            list.Add(item);
        }

        return list;
    }

    [Property(Arbitrary = [typeof(LakeArbitraries)], MaxTest = 30)]
    public void Any_events_written_read_back_equal_after_microsecond_truncation(BronzeRecord[] records)
    {
        using var dir = new TempDirectory();
        var store = new LocalDiskBlobStore(dir.Path);
        var writer = new ParquetLakeWriter(store, new ParquetLakeOptions { RowGroupRows = 7 });
        writer.AppendAsync(records, [], default).AsTask().GetAwaiter().GetResult();
        var commit = writer.FlushAsync(default).AsTask().GetAwaiter().GetResult();

        var back = ToList(new BronzeReader(store).ReadEventsAsync(default)).GetAwaiter().GetResult();

        Assert.Equal(records.Length, commit.Rows);
        var expected = records.Select(LakeGenerators.Truncated).OrderBy(r => r.Event.EventId).ThenBy(r => r.Ingestion.Position).ToList();
        var actual = back.OrderBy(r => r.Event.EventId).ThenBy(r => r.Ingestion.Position).ToList();
        Assert.Equal(expected, actual);
    }

    [Fact]
    public async Task Files_follow_the_partition_layout_by_occurred_at_in_utc()
    {
        var writer = new ParquetLakeWriter(_store, new ParquetLakeOptions());
        // 01:30 at +05:00 is 20:30 UTC the day before.
        var occurred = new DateTimeOffset(2026, 3, 1, 1, 30, 0, TimeSpan.FromHours(5));
        var conversion = new TrackingEvent { EventId = Guid.CreateVersion7(), Kind = EventKind.Conversion, OccurredAt = occurred, ReceivedAt = occurred, ClickId = "c", Status = ConversionStatus.Approved };
        await writer.AppendAsync([new BronzeRecord(conversion, new IngestionInfo("s", "0", "1", T0))], [], default);

        var commit = await writer.FlushAsync(default);

        var key = Assert.Single(commit.Files);
        Assert.Matches(FileKey(), key);
        Assert.StartsWith("bronze/events/kind=conversion/dt=2026-02-28/hour=20/part-", key, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rejects_land_with_reason_and_original_bytes_by_landing_date()
    {
        var writer = new ParquetLakeWriter(_store, new ParquetLakeOptions());
        var payload = new byte[] { 0xFF, 0x00, 0x7B, 0x22 };
        await writer.AppendAsync([], [new RejectedRecord(payload, "not JSON", new IngestionInfo("events", "3", "42", T0))], default);

        var commit = await writer.FlushAsync(default);

        Assert.Equal(1, commit.Rejects);
        Assert.StartsWith("bronze/rejects/dt=2026-11-25/part-", Assert.Single(commit.Files), StringComparison.Ordinal);
        var reject = Assert.Single(await ToList(new BronzeReader(_store).ReadRejectsAsync(default)));
        Assert.Equal(payload, reject.Payload.ToArray());
        Assert.Equal("not JSON", reject.Reason);
        Assert.Equal(new IngestionInfo("events", "3", "42", T0), reject.Ingestion);
    }

    [Fact]
    public async Task Files_roll_by_row_count()
    {
        var writer = new ParquetLakeWriter(_store, new ParquetLakeOptions { MaxRowsPerFile = 10 });
        await writer.AppendAsync(Enumerable.Range(0, 9).Select(i => LakeGenerators.Click(i, T0)).ToList(), [], default);
        Assert.False(writer.FlushDue);

        await writer.AppendAsync(Enumerable.Range(9, 16).Select(i => LakeGenerators.Click(i, T0)).ToList(), [], default);
        Assert.True(writer.FlushDue);

        var commit = await writer.FlushAsync(default);

        Assert.Equal(3, commit.Files.Count);
        Assert.Equal(25, commit.Rows);
        Assert.False(writer.FlushDue);
        Assert.Equal(0, writer.BufferedRows);
    }

    [Fact]
    public async Task Files_roll_by_estimated_size()
    {
        var writer = new ParquetLakeWriter(_store, new ParquetLakeOptions { TargetFileBytes = 64 * 1024 });
        var big = Enumerable.Range(0, 300).Select(i => LakeGenerators.Click(i, T0) is var r ? r with { Event = r.Event with { UserAgent = new string('u', 500) } } : null!).ToList();

        await writer.AppendAsync(big, [], default);

        Assert.True(writer.FlushDue);
        var commit = await writer.FlushAsync(default);
        Assert.True(commit.Files.Count >= 2, $"{commit.Files.Count} files");
        Assert.Equal(300, commit.Rows);
    }

    [Fact]
    public async Task A_flush_falls_due_when_the_oldest_buffered_row_reaches_the_age_limit()
    {
        var clock = new ManualClock(T0);
        var writer = new ParquetLakeWriter(_store, new ParquetLakeOptions { MaxFileAge = TimeSpan.FromSeconds(30) }, clock);
        await writer.AppendAsync([LakeGenerators.Click(1, T0)], [], default);

        clock.Advance(TimeSpan.FromSeconds(29));
        Assert.False(writer.FlushDue);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(writer.FlushDue);
    }

    [Fact]
    public async Task A_failed_flush_leaves_no_partial_file_and_the_retry_commits_every_row_once()
    {
        var failing = new FailingStore(_store) { FailCommitNumber = 2 };
        var writer = new ParquetLakeWriter(failing, new ParquetLakeOptions());
        var rows = Enumerable.Range(0, 30).Select(i => LakeGenerators.Click(i, T0.AddHours(i % 3))).ToList();
        await writer.AppendAsync(rows, [], default);

        await Assert.ThrowsAsync<IOException>(async () => await writer.FlushAsync(default));

        // Files committed before the failure are whole and visible; the failed one never appeared; the rest is buffered.
        var visible = await ToList(new BronzeReader(_store).ReadEventsAsync(default));
        Assert.True(visible.Count < 30);
        Assert.Equal(30, visible.Count + writer.BufferedRows);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_dir.Path, "_staging")));

        await writer.FlushAsync(default);

        // Every row exactly once: the retry does not rewrite what the failed flush committed.
        var all = await ToList(new BronzeReader(_store).ReadEventsAsync(default));
        Assert.Equal(rows.Select(r => r.Event.EventId).Order(), all.Select(r => r.Event.EventId).Order());
    }

    [Fact]
    public async Task A_cancelled_flush_makes_nothing_visible_and_keeps_the_rows()
    {
        var writer = new ParquetLakeWriter(_store, new ParquetLakeOptions());
        await writer.AppendAsync([LakeGenerators.Click(1, T0)], [new RejectedRecord(Encoding.UTF8.GetBytes("{"), "bad", new IngestionInfo("s", "0", "2", T0))], default);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await writer.FlushAsync(new CancellationToken(true)));

        Assert.Empty(await ToList(_store.ListAsync("", default)));
        Assert.Equal(2, writer.BufferedRows);
        var commit = await writer.FlushAsync(default);
        Assert.Equal((1, 1), (commit.Rows, commit.Rejects));
    }

    [Fact]
    public async Task A_record_with_an_undefined_kind_is_refused_before_anything_is_buffered()
    {
        var writer = new ParquetLakeWriter(_store, new ParquetLakeOptions());
        var bad = LakeGenerators.Click(2, T0) is var r ? r with { Event = r.Event with { Kind = (EventKind)42 } } : null!;

        await Assert.ThrowsAsync<ArgumentException>(async () => await writer.AppendAsync([LakeGenerators.Click(1, T0), bad], [], default));

        Assert.Equal(0, writer.BufferedRows);
    }

    [GeneratedRegex(@"^bronze/events/kind=(impression|click|conversion)/dt=\d{4}-\d{2}-\d{2}/hour=\d{2}/part-\d{8}T\d{9}-[0-9a-f]{8}\.parquet$")]
    private static partial Regex FileKey();

    /// <summary>A store whose Nth commit fails after the content is written, as a full disk or a lost connection would.</summary>
    internal sealed class FailingStore(IBlobStore inner) : IBlobStore
    {
        private int _commits;

        public int FailCommitNumber { get; set; }

        public async ValueTask<IBlobUpload> StartUploadAsync(string key, CancellationToken cancellationToken) =>
            new Upload(this, await inner.StartUploadAsync(key, cancellationToken));

        public ValueTask<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken) => inner.OpenReadAsync(key, cancellationToken);

        public IAsyncEnumerable<BlobItem> ListAsync(string prefix, CancellationToken cancellationToken) => inner.ListAsync(prefix, cancellationToken);

        public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken) => inner.DeleteAsync(key, cancellationToken);

        private sealed class Upload(FailingStore owner, IBlobUpload inner) : IBlobUpload
        {
            public Stream Content => inner.Content;

            public ValueTask<BlobItem> CommitAsync(CancellationToken cancellationToken) =>
                Interlocked.Increment(ref owner._commits) == owner.FailCommitNumber
                    ? throw new IOException("Injected commit failure.")
                    : inner.CommitAsync(cancellationToken);

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }
    }
}
