using System.Runtime.CompilerServices;
using Affiliate.Sdk.Pipeline;

namespace Affiliate.Sdk.Lake.Parquet.Tests;

/// <summary>
/// A store whose listing is not a snapshot, as <see cref="IBlobStore"/> allows and real stores do: S3 lists page by page,
/// and <see cref="LocalDiskBlobStore"/> reads a directory's names and then stats each one, dropping a file deleted in
/// between. This one reads every key first, then awaits <see cref="AfterKeysRead"/> (where a test commits and deletes
/// files), then reports the keys read that still exist. <see cref="BeforeOpen"/> runs before each open.
/// </summary>
internal sealed class ListingRaceStore(IBlobStore inner) : IBlobStore
{
    private int _listings;

    /// <summary>Runs in every listing between reading the keys and checking they still exist; gets the listing's number (1, 2, …) and prefix.</summary>
    public Func<int, string, Task>? AfterKeysRead { get; set; }

    /// <summary>Runs before every open, with the key.</summary>
    public Func<string, Task>? BeforeOpen { get; set; }

    /// <summary>Runs before every delete, with the key.</summary>
    public Func<string, Task>? BeforeDelete { get; set; }

    public ValueTask<IBlobUpload> StartUploadAsync(string key, CancellationToken cancellationToken) => inner.StartUploadAsync(key, cancellationToken);

    public async ValueTask<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken)
    {
        if (BeforeOpen is { } hook)
        {
            await hook(key);
        }

        return await inner.OpenReadAsync(key, cancellationToken);
    }

    public async IAsyncEnumerable<BlobItem> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var items = new List<BlobItem>();
        await foreach (var item in inner.ListAsync(prefix, cancellationToken))
        {
            items.Add(item);
        }

        if (AfterKeysRead is { } hook)
        {
            await hook(Interlocked.Increment(ref _listings), prefix);
        }

        foreach (var item in items)
        {
            var stream = await inner.OpenReadAsync(item.Key, cancellationToken);
            if (stream is null)
            {
                continue; // Deleted since its name was read: not listed.
            }

            await stream.DisposeAsync();
            yield return item;
        }
    }

    public async ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken)
    {
        if (BeforeDelete is { } hook)
        {
            await hook(key);
        }

        return await inner.DeleteAsync(key, cancellationToken);
    }
}

/// <summary>A point where code under test waits until the test lets it go on.</summary>
internal sealed class Checkpoint
{
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Called by the code under test: signals arrival and waits for <see cref="Release"/>.</summary>
    public Task PassAsync()
    {
        _reached.TrySetResult();
        return _released.Task;
    }

    /// <summary>Waits (with a deadline) until the code under test has arrived.</summary>
    public Task WaitReachedAsync() => _reached.Task.WaitAsync(TimeSpan.FromSeconds(30));

    public void Release() => _released.TrySetResult();
}
