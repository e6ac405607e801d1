using System.Text;

namespace Affiliate.Sdk.Lake.Parquet.Tests;

public sealed class LocalDiskBlobStoreTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly LocalDiskBlobStore _store;

    public LocalDiskBlobStoreTests() => _store = new LocalDiskBlobStore(_dir.Path);

    public void Dispose() => _dir.Dispose();

    private async Task<List<string>> Keys(string prefix)
    {
        var keys = new List<string>();
        await foreach (var item in _store.ListAsync(prefix, default))
        {
            keys.Add(item.Key);
        }

        return keys;
    }

    private async Task Put(string key, string content)
    {
        await using var upload = await _store.StartUploadAsync(key, default);
        await upload.Content.WriteAsync(Encoding.UTF8.GetBytes(content));
        await upload.CommitAsync(default);
    }

    [Fact]
    public async Task Content_is_invisible_until_commit_and_whole_after()
    {
        await using var upload = await _store.StartUploadAsync("a/b/c.bin", default);
        await upload.Content.WriteAsync(new byte[1000]);

        Assert.Empty(await Keys(""));
        Assert.Null(await _store.OpenReadAsync("a/b/c.bin", default));

        var item = await upload.CommitAsync(default);

        Assert.Equal(1000, item.Size);
        Assert.Equal(["a/b/c.bin"], await Keys(""));
        await using var read = await _store.OpenReadAsync("a/b/c.bin", default);
        Assert.Equal(1000, read!.Length);
    }

    [Fact]
    public async Task Disposing_without_commit_leaves_nothing_behind()
    {
        await using (var upload = await _store.StartUploadAsync("x/y.bin", default))
        {
            await upload.Content.WriteAsync(new byte[10]);
        }

        Assert.Empty(await Keys(""));
        Assert.Empty(Directory.EnumerateFiles(_dir.Path, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_cancelled_commit_leaves_the_key_invisible()
    {
        await using (var upload = await _store.StartUploadAsync("x/y.bin", default))
        {
            await upload.Content.WriteAsync(new byte[10]);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await upload.CommitAsync(new CancellationToken(true)));
        }

        Assert.Empty(await Keys(""));
    }

    [Fact]
    public async Task Listing_is_by_prefix_in_key_order_and_never_shows_staging_files()
    {
        await Put("b/2", "x");
        await Put("a/10", "x");
        await Put("a/1", "x");
        await Put("ab/1", "x");
        await using var open = await _store.StartUploadAsync("a/3", default);
        await open.Content.WriteAsync(new byte[3]);

        Assert.Equal(["a/1", "a/10", "ab/1", "b/2"], await Keys(""));
        Assert.Equal(["a/1", "a/10"], await Keys("a/"));
        Assert.Equal(["a/1", "a/10", "ab/1"], await Keys("a"));
        Assert.Empty(await Keys("c/"));
    }

    [Fact]
    public async Task Commit_replaces_an_existing_object_and_delete_removes_it()
    {
        await Put("k", "first");
        await Put("k", "second!");

        await using (var read = await _store.OpenReadAsync("k", default))
        {
            Assert.Equal("second!", await new StreamReader(read!).ReadToEndAsync());
        }

        Assert.True(await _store.DeleteAsync("k", default));
        Assert.False(await _store.DeleteAsync("k", default));
        Assert.Null(await _store.OpenReadAsync("k", default));
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
    [InlineData("_staging/x")]
    [InlineData("a\0b")]
    public async Task Invalid_keys_are_refused_with_a_clear_message(string key)
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(async () => await _store.StartUploadAsync(key, default));
        Assert.Equal("key", ex.ParamName);
        Assert.False(string.IsNullOrEmpty(ex.Message));
    }

    [Fact]
    public void Root_path_and_key_paths_are_absolute_under_the_root()
    {
        Assert.True(Path.IsPathFullyQualified(_store.RootPath));
        Assert.Equal(Path.Combine(_store.RootPath, "bronze", "x.parquet"), _store.GetPath("bronze/x.parquet"));
    }
}
