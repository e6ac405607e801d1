namespace Affiliate.Sdk.Pipeline;

/// <summary>An object in a blob store.</summary>
/// <param name="Key">Its key (a '/'-separated path).</param>
/// <param name="Size">Its size in bytes.</param>
/// <param name="LastModified">When it was committed (UTC).</param>
public sealed record BlobItem(string Key, long Size, DateTimeOffset LastModified);

/// <summary>
/// An upload in progress. Nothing is visible under the key until <see cref="CommitAsync"/> completes;
/// disposing without committing aborts and leaves nothing behind.
/// </summary>
public interface IBlobUpload : IAsyncDisposable
{
    /// <summary>The stream to write the content to.</summary>
    Stream Content { get; }

    /// <summary>Makes the content visible under the key, whole.</summary>
    /// <param name="cancellationToken">Stops the commit; the object then stays invisible.</param>
    /// <returns>The committed object.</returns>
    ValueTask<BlobItem> CommitAsync(CancellationToken cancellationToken);
}

/// <summary>Storage of the lake's files (local disk, S3, …) with atomic, all-or-nothing commits.</summary>
public interface IBlobStore
{
    /// <summary>Starts writing an object.</summary>
    /// <param name="key">The key to commit to; an existing object is replaced at commit.</param>
    /// <param name="cancellationToken">Stops the call.</param>
    /// <returns>The upload to write and commit.</returns>
    ValueTask<IBlobUpload> StartUploadAsync(string key, CancellationToken cancellationToken);

    /// <summary>Opens an object for reading.</summary>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Stops the call.</param>
    /// <returns>The content, or <see langword="null"/> when there is no such object.</returns>
    ValueTask<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken);

    /// <summary>
    /// Lists committed objects whose keys start with a prefix, in key order. A listing is not a snapshot: every object
    /// that exists for the whole call is listed; objects committed or deleted during it may or may not be.
    /// </summary>
    /// <param name="prefix">The prefix, e.g. <c>bronze/events/kind=click/</c>.</param>
    /// <param name="cancellationToken">Stops the listing.</param>
    /// <returns>The objects.</returns>
    IAsyncEnumerable<BlobItem> ListAsync(string prefix, CancellationToken cancellationToken);

    /// <summary>Deletes an object.</summary>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Stops the call.</param>
    /// <returns><see langword="true"/> when an object was deleted.</returns>
    ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken);
}
