using Affiliate.Sdk.IO;
using System.Runtime.CompilerServices;
using Affiliate.Sdk.Pipeline;

namespace Affiliate.Sdk.Lake.Parquet;

/// <summary>
/// An <see cref="IBlobStore"/> on a local directory. Uploads go to a staging file on the same file system, are
/// flushed to disk and renamed onto their key at commit, so a reader sees a file whole or not at all.
/// </summary>
public sealed class LocalDiskBlobStore : IBlobStore
{
    private static readonly TimeSpan StaleStagingAge = TimeSpan.FromDays(1);
    private readonly string _staging;

    /// <summary>Opens (and creates if needed) a store rooted at a directory.</summary>
    /// <param name="rootPath">The directory; a relative path is resolved against the current directory.</param>
    /// <exception cref="ArgumentException">The path is empty.</exception>
    public LocalDiskBlobStore(string rootPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(rootPath);
        RootPath = Path.GetFullPath(rootPath);
        _staging = Path.Combine(RootPath, BlobKeys.StagingFolder);
        Directory.CreateDirectory(_staging);
        RemoveStaleStagingFiles();
    }

    /// <summary>The absolute path of the root directory; a key maps to <c>{RootPath}/{key}</c>.</summary>
    public string RootPath { get; }

    /// <summary>The local path of a key (for engines that read files directly, such as DuckDB).</summary>
    /// <param name="key">The key.</param>
    /// <returns>The absolute file path.</returns>
    /// <exception cref="ArgumentException">The key is not a valid relative '/'-separated key.</exception>
    public string GetPath(string key)
    {
        BlobKeys.Validate(key, nameof(key));
        return Path.Combine(RootPath, key.Replace('/', Path.DirectorySeparatorChar));
    }

    /// <inheritdoc />
    public ValueTask<IBlobUpload> StartUploadAsync(string key, CancellationToken cancellationToken)
    {
        var target = GetPath(key);
        cancellationToken.ThrowIfCancellationRequested();
        var stagingPath = Path.Combine(_staging, $"{Guid.NewGuid():N}.tmp");
        var stream = new FileStream(stagingPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.None);
        return ValueTask.FromResult<IBlobUpload>(new Upload(key, target, stagingPath, stream));
    }

    /// <inheritdoc />
    public ValueTask<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken)
    {
        var path = GetPath(key);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            // FileShare.Delete: compaction may delete a file while a reader still holds it open.
            Stream stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, FileOptions.RandomAccess);
            return ValueTask.FromResult<Stream?>(stream);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return ValueTask.FromResult<Stream?>(null);
        }
        catch (UnauthorizedAccessException) when (Directory.Exists(path))
        {
            // The key names a folder of other keys ("a" when "a/b" exists): no object, as S3 answers.
            return ValueTask.FromResult<Stream?>(null);
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<BlobItem> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        BlobKeys.ValidatePrefix(prefix, nameof(prefix));
        var lastSlash = prefix.LastIndexOf('/');
        var start = lastSlash < 0 ? RootPath : Path.Combine(RootPath, prefix[..lastSlash].Replace('/', Path.DirectorySeparatorChar));
        if (!Directory.Exists(start))
        {
            yield break;
        }

        var items = new List<BlobItem>();
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.None };
        foreach (var file in new DirectoryInfo(start).EnumerateFiles("*", options))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var key = Path.GetRelativePath(RootPath, file.FullName).Replace(Path.DirectorySeparatorChar, '/');
            if (!key.StartsWith(prefix, StringComparison.Ordinal) || key.StartsWith(BlobKeys.StagingFolder + "/", StringComparison.Ordinal))
            {
                continue;
            }

            try
            {
                items.Add(new BlobItem(key, file.Length, new DateTimeOffset(file.LastWriteTimeUtc, TimeSpan.Zero)));
            }
            catch (FileNotFoundException)
            {
                // Deleted between the directory read and its stat (compaction): it is no longer listed.
            }
        }

        items.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        foreach (var item in items)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return item;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken)
    {
        var path = GetPath(key);
        cancellationToken.ThrowIfCancellationRequested();
        var file = new FileInfo(path);
        if (!file.Exists)
        {
            return ValueTask.FromResult(false);
        }

        file.Delete();
        return ValueTask.FromResult(true);
    }

    private void RemoveStaleStagingFiles()
    {
        // Uploads abandoned by a crashed process; a day is far longer than any upload takes.
        foreach (var file in new DirectoryInfo(_staging).EnumerateFiles("*.tmp"))
        {
            try
            {
                if (DateTime.UtcNow - file.LastWriteTimeUtc > StaleStagingAge)
                {
                    file.Delete();
                }
            }
            catch (IOException)
            {
                // Best effort: another process may be cleaning up too.
            }
        }
    }

    private static List<string> CreateDirectories(string directory)
    {
        var created = new List<string>();
        var current = directory;
        while (!Directory.Exists(current))
        {
            created.Add(current);
            current = Path.GetDirectoryName(current)!;
        }

        Directory.CreateDirectory(directory);
        return created;
    }

    private sealed class Upload(string key, string target, string stagingPath, FileStream stream) : IBlobUpload
    {
        private bool _committed;
        private bool _disposed;

        public Stream Content => stream;

        public async ValueTask<BlobItem> CommitAsync(CancellationToken cancellationToken)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_committed)
            {
                throw new InvalidOperationException($"The upload of '{key}' is already committed.");
            }

            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
            var size = stream.Length;
            await stream.DisposeAsync().ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();

            var directory = Path.GetDirectoryName(target)!;
            var created = CreateDirectories(directory);
            File.Move(stagingPath, target, overwrite: true);
            _committed = true;

            // Make the rename durable, and every directory entry created on the way to it.
            DurableDirectory.Flush(directory);
            foreach (var dir in created)
            {
                DurableDirectory.Flush(Path.GetDirectoryName(dir)!);
            }

            return new BlobItem(key, size, new DateTimeOffset(File.GetLastWriteTimeUtc(target), TimeSpan.Zero));
        }

        public async ValueTask DisposeAsync()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            await stream.DisposeAsync().ConfigureAwait(false);
            if (!_committed)
            {
                try
                {
                    File.Delete(stagingPath);
                }
                catch (IOException)
                {
                    // Left for the stale-staging sweep; it is never listed.
                }
            }
        }
    }
}
