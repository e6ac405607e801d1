using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using System.Text;
using Affiliate.Sdk.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Affiliate.Sdk.S3.Tests;

[Collection(S3ServerGroup.Name)]
public sealed class S3BlobStoreTests(S3rverFixture s3) : IDisposable
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

    private S3BlobStore Store(Action<S3LakeOptions>? configure = null, IMeterFactory? meters = null)
    {
        var options = s3.Options();
        configure?.Invoke(options);
        var store = new S3BlobStore(options, meterFactory: meters);
        _stores.Add(store);
        return store;
    }

    private static async Task<List<string>> Keys(IBlobStore store, string prefix)
    {
        var keys = new List<string>();
        await foreach (var item in store.ListAsync(prefix, default))
        {
            keys.Add(item.Key);
        }

        return keys;
    }

    private static async Task Put(IBlobStore store, string key, string content)
    {
        await using var upload = await store.StartUploadAsync(key, default);
        await upload.Content.WriteAsync(Encoding.UTF8.GetBytes(content));
        await upload.CommitAsync(default);
    }

    private static async Task<byte[]?> Read(IBlobStore store, string key)
    {
        var stream = await store.OpenReadAsync(key, default);
        if (stream is null)
        {
            return null;
        }

        await using (stream)
        {
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            return copy.ToArray();
        }
    }

    [S3Fact]
    public async Task Content_is_invisible_until_commit_and_whole_after()
    {
        var store = Store();
        await using var upload = await store.StartUploadAsync("a/b/c.bin", default);
        var content = RandomNumberGenerator.GetBytes(1000);
        await upload.Content.WriteAsync(content);

        Assert.Empty(await Keys(store, ""));
        Assert.Null(await store.OpenReadAsync("a/b/c.bin", default));

        var item = await upload.CommitAsync(default);

        Assert.Equal(new BlobItem("a/b/c.bin", 1000, item.LastModified), item);
        var listed = Assert.Single(await ToList(store.ListAsync("", default)));
        Assert.Equal(("a/b/c.bin", 1000L), (listed.Key, listed.Size));
        Assert.Equal(TimeSpan.Zero, listed.LastModified.Offset);
        Assert.Equal(content, await Read(store, "a/b/c.bin"));
    }

    [S3Fact]
    public async Task Keys_live_under_the_configured_prefix_inside_the_bucket()
    {
        var prefix = $"lakes/{Guid.NewGuid():N}/prod";
        var store = Store(o => o.Prefix = "/" + prefix + "/");

        await Put(store, "bronze/x.parquet", "x");

        Assert.Equal(prefix + "/", store.Prefix);
        Assert.Equal([prefix + "/bronze/x.parquet"], await s3.ObjectKeys(prefix));
        Assert.Equal(["bronze/x.parquet"], await Keys(store, ""));
        Assert.Equal($"s3://{S3rverFixture.Bucket}/{prefix}/bronze/x.parquet", store.GetUri("bronze/x.parquet"));
    }

    [S3Fact]
    public async Task Disposing_without_commit_leaves_nothing_behind()
    {
        var store = Store();
        await using (var upload = await store.StartUploadAsync("x/y.bin", default))
        {
            await upload.Content.WriteAsync(new byte[10]);
        }

        Assert.Empty(await Keys(store, ""));
        Assert.Empty(await s3.ObjectKeys(store.Prefix));
    }

    [S3Fact]
    public async Task A_cancelled_commit_leaves_the_key_invisible()
    {
        var store = Store();
        await using (var upload = await store.StartUploadAsync("x/y.bin", default))
        {
            await upload.Content.WriteAsync(new byte[10]);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await upload.CommitAsync(new CancellationToken(true)));
        }

        Assert.Empty(await Keys(store, ""));
    }

    [S3Fact]
    public async Task Listing_is_by_prefix_in_key_order()
    {
        var store = Store();
        await Put(store, "b/2", "x");
        await Put(store, "a/10", "x");
        await Put(store, "a/1", "x");
        await Put(store, "ab/1", "x");
        await using var open = await store.StartUploadAsync("a/3", default);
        await open.Content.WriteAsync(new byte[3]);

        Assert.Equal(["a/1", "a/10", "ab/1", "b/2"], await Keys(store, ""));
        Assert.Equal(["a/1", "a/10"], await Keys(store, "a/"));
        Assert.Equal(["a/1", "a/10", "ab/1"], await Keys(store, "a"));
        Assert.Empty(await Keys(store, "c/"));
    }

    [S3Fact]
    public async Task Listing_pages_through_more_objects_than_one_page_holds()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        using var requests = new MetricCollector<long>(meters, S3BlobStore.MeterName, "affiliate.sdk.s3.requests");
        var store = Store(o => o.ListPageSize = 3, meters);
        var expected = Enumerable.Range(0, 11).Select(i => $"p/{i:D3}").ToList();
        foreach (var key in expected.AsEnumerable().Reverse())
        {
            await Put(store, key, key);
        }

        var listed = await Keys(store, "p/");

        Assert.Equal(expected, listed);
        var lists = requests.GetMeasurementSnapshot().Count(m => (string?)m.Tags["operation"] == "ListObjectsV2");
        Assert.Equal(4, lists); // 3 + 3 + 3 + 2
    }

    [S3Fact]
    public async Task Commit_replaces_an_existing_object_and_delete_removes_it()
    {
        var store = Store();
        await Put(store, "k", "first");
        await Put(store, "k", "second!");

        Assert.Equal("second!", Encoding.UTF8.GetString((await Read(store, "k"))!));
        Assert.Equal(["k"], await Keys(store, ""));

        Assert.True(await store.DeleteAsync("k", default));
        Assert.False(await store.DeleteAsync("k", default));
        Assert.Null(await store.OpenReadAsync("k", default));
        Assert.Empty(await Keys(store, ""));
    }

    [S3Fact]
    public async Task Reads_stream_the_whole_object_forward_only_with_its_length()
    {
        var store = Store();
        var content = RandomNumberGenerator.GetBytes(300_000);
        await using (var upload = await store.StartUploadAsync("r.bin", default))
        {
            await upload.Content.WriteAsync(content);
            await upload.CommitAsync(default);
        }

        await using var stream = (await store.OpenReadAsync("r.bin", default))!;

        Assert.False(stream.CanSeek);
        Assert.Equal(content.Length, stream.Length);
        var back = new byte[content.Length];
        await stream.ReadExactlyAsync(back);
        Assert.Equal(content, back);
        Assert.Equal(0, await stream.ReadAsync(new byte[1]));
    }

    [S3Fact]
    public async Task Missing_keys_read_as_null_and_delete_as_false()
    {
        var store = Store();

        Assert.Null(await store.OpenReadAsync("no/such/key", default));
        Assert.False(await store.DeleteAsync("no/such/key", default));
        Assert.Empty(await Keys(store, "no/"));
    }

    [S3Fact]
    public async Task An_empty_object_commits_and_reads_back_empty()
    {
        var store = Store();
        await using (var upload = await store.StartUploadAsync("empty", default))
        {
            Assert.Equal(0, (await upload.CommitAsync(default)).Size);
        }

        Assert.Empty((await Read(store, "empty"))!);
    }

    [S3Fact]
    public async Task A_missing_bucket_fails_with_an_exception_naming_bucket_and_key()
    {
        var store = Store(o => o.Bucket = "no-such-bucket");
        await using var upload = await store.StartUploadAsync("k", default);
        await upload.Content.WriteAsync(new byte[1]);

        var ex = await Assert.ThrowsAsync<S3BlobStoreException>(async () => await upload.CommitAsync(default));

        Assert.Equal("no-such-bucket", ex.Bucket);
        Assert.Equal(store.Prefix + "k", ex.Key);
        Assert.Equal("PutObject", ex.Operation);
        Assert.Contains("s3://no-such-bucket/" + store.Prefix + "k", ex.Message, StringComparison.Ordinal);
        Assert.False(ex.IsRetryable);
    }

    [S3Fact]
    public async Task Cancellation_stops_listing_and_reading()
    {
        var store = Store();
        await Put(store, "k", "x");
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await store.OpenReadAsync("k", cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var unused in store.ListAsync("", cancelled.Token))
            {
            }
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await store.StartUploadAsync("j", cancelled.Token));
    }

    [Theory]
    [InlineData("")]
    [InlineData("/abs")]
    [InlineData("a/../b")]
    [InlineData("../b")]
    [InlineData("a//b")]
    [InlineData("a/./b")]
    [InlineData("a\\b")]
    [InlineData("dir/")]
    [InlineData("a\0b")]
    public async Task Invalid_keys_are_refused_with_a_clear_message(string key)
    {
        using var store = new S3BlobStore(new S3LakeOptions { Bucket = "bucket", ServiceUrl = "http://127.0.0.1:1", AccessKey = "a", SecretKey = "b" });

        var ex = await Assert.ThrowsAsync<ArgumentException>(async () => await store.StartUploadAsync(key, default));

        Assert.Equal("key", ex.ParamName);
        Assert.False(string.IsNullOrEmpty(ex.Message));
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
