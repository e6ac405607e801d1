using System.Globalization;
using System.Security.Cryptography;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.Lake.Parquet;
using Affiliate.Sdk.Pipeline;

namespace Affiliate.Sdk.S3.Tests;

/// <summary>The Parquet lake (writer, reader, compactor) running with its files on S3.</summary>
[Collection(S3ServerGroup.Name)]
public sealed class S3LakeTests(S3rverFixture s3) : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 9, 30, 0, TimeSpan.Zero);
    private readonly List<S3BlobStore> _stores = [];

    public void Dispose()
    {
        foreach (var store in _stores)
        {
            store.Dispose();
        }
    }

    private S3BlobStore Store(Action<S3LakeOptions>? configure = null)
    {
        var options = s3.Options();
        configure?.Invoke(options);
        var store = new S3BlobStore(options);
        _stores.Add(store);
        return store;
    }

    [S3Fact]
    public async Task Events_written_to_a_lake_on_s3_read_back_equal()
    {
        var store = Store();
        var records = Enumerable.Range(0, 500).Select(i => LakeData.Click(i, T0.AddMinutes(i * 7))).ToList();
        var reject = new RejectedRecord(new byte[] { 0x7b, 0xff }, "malformed JSON", new IngestionInfo("events", "1", "42", T0));
        await using (var writer = new ParquetLakeWriter(store, new ParquetLakeOptions { RowGroupRows = 64 }))
        {
            await writer.AppendAsync(records, [reject], default);
            var commit = await writer.FlushAsync(default);
            Assert.Equal(500, commit.Rows);
            Assert.Equal(1, commit.Rejects);
            Assert.All(commit.Files, f => Assert.StartsWith("bronze/", f, StringComparison.Ordinal));
        }

        var reader = new BronzeReader(store);
        var back = await LakeData.ToList(reader.ReadEventsAsync(default));
        var rejects = await LakeData.ToList(reader.ReadRejectsAsync(default));

        Assert.Equal(records.Select(LakeData.Truncated).OrderBy(r => r.Event.EventId), back.OrderBy(r => r.Event.EventId));
        var deadLetter = Assert.Single(rejects);
        Assert.Equal(("malformed JSON", reject.Ingestion), (deadLetter.Reason, deadLetter.Ingestion));
        Assert.Equal(reject.Payload.ToArray(), deadLetter.Payload.ToArray());
        Assert.NotEmpty(await s3.ObjectKeys(store.Prefix + "bronze/events/"));
    }

    [S3Fact]
    public async Task Compaction_on_s3_merges_small_files_and_keeps_every_row()
    {
        var store = Store(o => o.ListPageSize = 2); // listings span pages
        var written = new List<BronzeRecord>();
        await using (var writer = new ParquetLakeWriter(store, new ParquetLakeOptions()))
        {
            for (var f = 0; f < 5; f++)
            {
                var rows = Enumerable.Range(f * 40, 40).Select(i => LakeData.Click(i, T0.AddSeconds(i))).ToList();
                await writer.AppendAsync(rows, [], default);
                await writer.FlushAsync(default);
                written.AddRange(rows);
            }
        }

        var reader = new BronzeReader(store);
        var sources = (await LakeData.ToList(reader.ListEventFilesAsync(default))).Select(f => f.Key).ToList();
        Assert.Equal(5, sources.Count);

        var result = await new LakeCompactor(store, new ParquetLakeOptions { RowGroupRows = 64 }).CompactAsync(default);

        Assert.Equal(new CompactionResult(5, 1, 200), result);
        var merged = Assert.Single(await LakeData.ToList(reader.ListEventFilesAsync(default)));
        Assert.Equal(sources, await reader.ReadCompactedFromAsync(merged.Key, default));
        var after = await LakeData.ToList(reader.ReadEventsAsync(default));
        Assert.Equal(written.Select(LakeData.Truncated).OrderBy(r => r.Event.EventId), after.OrderBy(r => r.Event.EventId));
        var remaining = await s3.ObjectKeys(store.Prefix);
        Assert.All(sources, key => Assert.DoesNotContain(store.Prefix + key, remaining));
    }

    [S3Fact]
    public async Task A_lake_file_larger_than_the_threshold_goes_up_in_parts_and_reads_back_equal()
    {
        var store = Store(o =>
        {
            o.PartSize = S3LakeOptions.MinimumPartSize;
            o.MultipartThreshold = S3LakeOptions.MinimumPartSize;
        });

        // Random user agents do not compress: 30,000 rows of 256 hex characters make a Parquet file above 5 MiB.
        var records = Enumerable.Range(0, 30_000)
            .Select(i => LakeData.Click(i, T0.AddMilliseconds(i)))
            .Select(r => r with { Event = r.Event with { UserAgent = Convert.ToHexString(RandomNumberGenerator.GetBytes(128)) } })
            .ToList();
        LakeCommit commit;
        await using (var writer = new ParquetLakeWriter(store, new ParquetLakeOptions()))
        {
            await writer.AppendAsync(records, [], default);
            commit = await writer.FlushAsync(default);
        }

        var file = Assert.Single(commit.Files);
        var listed = Assert.Single(await LakeData.ToList(store.ListAsync(file, default)));
        Assert.True(listed.Size > S3LakeOptions.MinimumPartSize, $"the file is {listed.Size} bytes, too small to need parts");
        Assert.Empty(await s3.PendingUploads(store.Prefix));
        var back = await LakeData.ToList(new BronzeReader(store).ReadEventsAsync(default));
        Assert.Equal(records.Select(LakeData.Truncated).OrderBy(r => r.Event.EventId), back.OrderBy(r => r.Event.EventId));
    }
}

internal static class LakeData
{
    public static BronzeRecord Click(int i, DateTimeOffset occurred) => new(
        new TrackingEvent
        {
            EventId = Guid.CreateVersion7(occurred),
            Kind = EventKind.Click,
            OccurredAt = occurred,
            ReceivedAt = occurred.AddMilliseconds(1.2345),
            ClickId = "c" + i.ToString(CultureInfo.InvariantCulture),
            OfferId = "o" + (i % 7).ToString(CultureInfo.InvariantCulture),
            AffiliateId = "a" + (i % 3).ToString(CultureInfo.InvariantCulture),
            Sub1 = i % 5 == 0 ? "日本 🦄" : null,
            Country = "DE",
        },
        new IngestionInfo("events", (i % 2).ToString(CultureInfo.InvariantCulture), i.ToString(CultureInfo.InvariantCulture), occurred.AddSeconds(1)));

    /// <summary>What bronze stores: times truncated to microseconds, in UTC.</summary>
    public static BronzeRecord Truncated(BronzeRecord r) => new(
        r.Event with { OccurredAt = Micro(r.Event.OccurredAt), ReceivedAt = Micro(r.Event.ReceivedAt) },
        r.Ingestion with { LandedAt = Micro(r.Ingestion.LandedAt) });

    public static async Task<List<T>> ToList<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items)
        {
            list.Add(item);
        }

        return list;
    }

    private static DateTimeOffset Micro(DateTimeOffset t) => new(t.UtcTicks - (t.UtcTicks % 10), TimeSpan.Zero);
}
