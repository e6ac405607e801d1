using System.Security.Cryptography;
using Affiliate.Sdk.Pipeline;
using FsCheck;
using FsCheck.Fluent;

namespace Affiliate.Sdk.S3.Tests;

[Collection(S3ServerGroup.Name)]
public sealed class S3MultipartTests(S3rverFixture s3) : IDisposable
{
    private const int MiB = 1024 * 1024;
    private readonly List<S3BlobStore> _stores = [];

    public void Dispose()
    {
        foreach (var store in _stores)
        {
            store.Dispose();
        }
    }

    /// <summary>The smallest sizes S3 allows: parts of 5 MiB, multipart above 5 MiB.</summary>
    private S3BlobStore Store()
    {
        var options = s3.Options();
        options.PartSize = S3LakeOptions.MinimumPartSize;
        options.MultipartThreshold = S3LakeOptions.MinimumPartSize;
        var store = new S3BlobStore(options);
        _stores.Add(store);
        return store;
    }

    private static async Task WriteInChunks(IBlobUpload upload, byte[] content, int chunk, Action? afterEach = null)
    {
        for (var offset = 0; offset < content.Length; offset += chunk)
        {
            await upload.Content.WriteAsync(content.AsMemory(offset, Math.Min(chunk, content.Length - offset)));
            afterEach?.Invoke();
        }
    }

    private static async Task<byte[]> Read(IBlobStore store, string key)
    {
        await using var stream = await store.OpenReadAsync(key, default);
        Assert.NotNull(stream);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    [S3Fact]
    public async Task An_object_above_the_threshold_streams_as_parts_and_round_trips_exactly()
    {
        var store = Store();
        var content = RandomNumberGenerator.GetBytes((12 * MiB) + 12345);
        var upload = (S3BlobUpload)await store.StartUploadAsync("big/object.bin", default);
        await using (upload)
        {
            var maxBuffered = 0;
            await WriteInChunks(upload, content, 300_001, () => maxBuffered = Math.Max(maxBuffered, upload.BufferedBytes));

            Assert.True(upload.IsMultipart);
            Assert.Equal(2, upload.PartsSent); // two full parts left while writing; the rest goes at commit
            Assert.InRange(maxBuffered, 1, S3LakeOptions.MinimumPartSize); // memory stays within one part
            Assert.Equal([store.Prefix + "big/object.bin"], await s3.PendingUploads(store.Prefix));
            Assert.Empty(await s3.ObjectKeys(store.Prefix));

            var item = await upload.CommitAsync(default);

            Assert.Equal(content.Length, item.Size);
        }

        Assert.Equal(content, await Read(store, "big/object.bin"));
        Assert.Empty(await s3.PendingUploads(store.Prefix));
        var listed = Assert.Single(await ToList(store.ListAsync("big/", default)));
        Assert.Equal(content.Length, listed.Size);
    }

    /// <summary>Sizes around every boundary (empty, the threshold ±1, whole parts ±1) and anywhere up to 12 MiB, in random write sizes.</summary>
    public static class UploadShapes
    {
        public static Arbitrary<(int Total, int Chunk)> Shapes()
        {
            const int part = S3LakeOptions.MinimumPartSize;
            var total = Gen.OneOf(
                Gen.Elements(0, 1, part - 1, part, part + 1, (2 * part) - 1, 2 * part, (2 * part) + 1),
                Gen.Choose(0, 12 * MiB));
            var chunk = Gen.OneOf(Gen.Choose(1, 4096), Gen.Choose(4096, 3 * MiB), Gen.Constant(12 * MiB));
            return Arb.From(total.SelectMany(t => chunk.Select(c => (t, c))));
        }
    }

    [S3Property(MaxTest = 12, Arbitrary = [typeof(UploadShapes)])]
    public async Task<bool> Any_object_round_trips_exactly_in_one_put_or_in_whole_parts((int Total, int Chunk) shape)
    {
        var store = Store();
        var content = RandomNumberGenerator.GetBytes(shape.Total);
        var upload = (S3BlobUpload)await store.StartUploadAsync("p.bin", default);
        await using (upload)
        {
            await WriteInChunks(upload, content, shape.Chunk, () => Assert.InRange(upload.BufferedBytes, 0, S3LakeOptions.MinimumPartSize));
            Assert.Equal(shape.Total, (await upload.CommitAsync(default)).Size);
        }

        var multipart = shape.Total > S3LakeOptions.MinimumPartSize;
        Assert.Equal(multipart, upload.IsMultipart || upload.PartsSent > 0);
        Assert.Equal(multipart ? (shape.Total + S3LakeOptions.MinimumPartSize - 1) / S3LakeOptions.MinimumPartSize : 0, upload.PartsSent);
        Assert.Equal(content, await Read(store, "p.bin"));
        Assert.Empty(await s3.PendingUploads(store.Prefix));
        return true;
    }

    [S3Fact]
    public async Task An_object_of_exactly_the_threshold_goes_in_one_put()
    {
        var store = Store();
        var content = RandomNumberGenerator.GetBytes(S3LakeOptions.MinimumPartSize);
        var upload = (S3BlobUpload)await store.StartUploadAsync("exact.bin", default);
        await using (upload)
        {
            await WriteInChunks(upload, content, MiB);
            Assert.False(upload.IsMultipart);
            await upload.CommitAsync(default);
        }

        Assert.Equal(content, await Read(store, "exact.bin"));
    }

    [S3Fact]
    public async Task A_multipart_commit_replaces_an_existing_object()
    {
        var store = Store();
        await using (var small = await store.StartUploadAsync("k.bin", default))
        {
            await small.Content.WriteAsync(new byte[] { 1, 2, 3 });
            await small.CommitAsync(default);
        }

        var content = RandomNumberGenerator.GetBytes((6 * MiB) + 1);
        await using (var big = await store.StartUploadAsync("k.bin", default))
        {
            await big.Content.WriteAsync(content);
            await big.CommitAsync(default);
        }

        Assert.Equal(content, await Read(store, "k.bin"));
    }

    [S3Fact]
    public async Task Disposing_a_multipart_upload_without_commit_aborts_it()
    {
        var store = Store();
        await using (var upload = await store.StartUploadAsync("abandoned.bin", default))
        {
            await upload.Content.WriteAsync(RandomNumberGenerator.GetBytes(11 * MiB));
            Assert.Single(await s3.PendingUploads(store.Prefix));
        }

        Assert.Empty(await s3.PendingUploads(store.Prefix));
        Assert.Empty(await s3.ObjectKeys(store.Prefix));
        Assert.Null(await store.OpenReadAsync("abandoned.bin", default));
    }

    [S3Fact]
    public async Task A_caller_failing_mid_upload_leaves_no_object_and_no_pending_upload()
    {
        var store = Store();
        var content = RandomNumberGenerator.GetBytes(8 * MiB);

        await Assert.ThrowsAsync<InvalidDataException>(async () =>
        {
            await using var upload = await store.StartUploadAsync("failed.bin", default);
            await upload.Content.WriteAsync(content);
            throw new InvalidDataException("the producer broke mid-way");
        });

        Assert.Empty(await s3.PendingUploads(store.Prefix));
        Assert.Empty(await s3.ObjectKeys(store.Prefix));
    }

    [S3Fact]
    public async Task Cancelling_a_write_mid_upload_aborts_at_once_and_refuses_the_commit()
    {
        var store = Store();
        await using var upload = await store.StartUploadAsync("cancelled.bin", default);
        await upload.Content.WriteAsync(RandomNumberGenerator.GetBytes(6 * MiB));
        Assert.Single(await s3.PendingUploads(store.Prefix));
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await upload.Content.WriteAsync(new byte[MiB], cancel.Token));

        Assert.Empty(await s3.PendingUploads(store.Prefix)); // aborted already, before any dispose
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(async () => await upload.CommitAsync(default));
        Assert.Contains("cancelled.bin", refused.Message, StringComparison.Ordinal);
        Assert.Empty(await s3.ObjectKeys(store.Prefix));
    }

    [S3Fact]
    public async Task A_cancelled_multipart_commit_aborts_and_leaves_the_key_invisible()
    {
        var store = Store();
        await using (var upload = await store.StartUploadAsync("late.bin", default))
        {
            await upload.Content.WriteAsync(RandomNumberGenerator.GetBytes(7 * MiB));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await upload.CommitAsync(new CancellationToken(true)));
        }

        Assert.Empty(await s3.PendingUploads(store.Prefix));
        Assert.Empty(await s3.ObjectKeys(store.Prefix));
    }

    [S3Fact]
    public async Task Synchronous_writes_are_refused_with_a_clear_message()
    {
        var store = Store();
        await using var upload = await store.StartUploadAsync("sync.bin", default);

        var ex = Assert.Throws<NotSupportedException>(() => upload.Content.Write(new byte[1], 0, 1));

        Assert.Contains("WriteAsync", ex.Message, StringComparison.Ordinal);
        Assert.False(upload.Content.CanSeek);
    }

    private static async Task<List<T>> ToList<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items)
        {
            list.Add(item);
        }

        return list;
    }
}
