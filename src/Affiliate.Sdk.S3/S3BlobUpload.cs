using System.Buffers;
using Affiliate.Sdk.Pipeline;
using Amazon.S3.Model;

namespace Affiliate.Sdk.S3;

/// <summary>
/// One upload. Bytes collect in a pooled buffer of at most <see cref="S3BlobStore.MultipartThreshold"/>; an object that
/// ends within it is sent in one PUT at commit. Beyond it, a multipart upload starts and each full part of
/// <see cref="S3BlobStore.PartSize"/> is sent as it fills, so memory stays bounded whatever the object's size.
/// Only CompleteMultipartUpload (at commit) makes the object visible; any failure or a dispose without commit aborts it.
/// </summary>
internal sealed class S3BlobUpload : IBlobUpload
{
    private const int InitialBufferSize = 64 * 1024;
    private const int MaxParts = 10_000;

    private readonly S3BlobStore _store;
    private readonly string _key;
    private readonly string _objectKey;
    private readonly List<PartETag> _parts = [];
    private byte[] _buffer = [];
    private int _count;
    private long _length;
    private string? _uploadId;
    private bool _committed;
    private bool _disposed;
    private Exception? _fault;

    public S3BlobUpload(S3BlobStore store, string key, string objectKey)
    {
        _store = store;
        _key = key;
        _objectKey = objectKey;
        Content = new UploadStream(this);
    }

    public Stream Content { get; }

    /// <summary>Whether a multipart upload was started (the object was larger than the threshold).</summary>
    internal bool IsMultipart => _uploadId is not null;

    /// <summary>Bytes written so far.</summary>
    internal long Length => _length;

    /// <summary>Bytes held in memory, not yet sent.</summary>
    internal int BufferedBytes => _count;

    /// <summary>Parts sent so far.</summary>
    internal int PartsSent => _parts.Count;

    private int Limit => _uploadId is null ? _store.MultipartThreshold : _store.PartSize;

    public async ValueTask<BlobItem> CommitAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_committed)
        {
            throw new InvalidOperationException($"The upload of '{_key}' is already committed.");
        }

        ThrowIfFaulted();
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            if (_uploadId is null)
            {
                using var body = new MemoryStream(_buffer, 0, _count, writable: false);
                var request = new PutObjectRequest { BucketName = _store.Bucket, Key = _objectKey, InputStream = body, AutoCloseStream = false, UseChunkEncoding = _store.UseChunkEncoding };
                await _store.SendAsync("PutObject", _objectKey, ct => _store.Client.PutObjectAsync(request, ct), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                if (_count > 0)
                {
                    await UploadPartAsync(0, _count, cancellationToken).ConfigureAwait(false);
                    _count = 0;
                }

                var uploadId = _uploadId;
                var request = new CompleteMultipartUploadRequest { BucketName = _store.Bucket, Key = _objectKey, UploadId = uploadId, PartETags = _parts };
                await _store.SendAsync("CompleteMultipartUpload", _objectKey, ct => _store.Client.CompleteMultipartUploadAsync(request, ct), cancellationToken).ConfigureAwait(false);
                _uploadId = null;
            }
        }
        catch (Exception ex)
        {
            await FailAsync(ex).ConfigureAwait(false);
            throw;
        }

        _committed = true;
        ReleaseBuffer();
        _store.Metrics.Committed(_length, _parts.Count);
        return new BlobItem(_key, _length, _store.Clock.GetUtcNow());
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_committed && _uploadId is not null)
        {
            await AbortAsync("disposed without commit").ConfigureAwait(false);
        }

        ReleaseBuffer();
    }

    internal async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_committed)
        {
            throw new InvalidOperationException($"The upload of '{_key}' is already committed.");
        }

        ThrowIfFaulted();
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            while (!data.IsEmpty)
            {
                var limit = Limit;
                if (_count == limit)
                {
                    // Full, and more is coming: the object is larger than the buffer holds, so parts go out now.
                    await SendFullPartsAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }

                var n = Math.Min(data.Length, limit - _count);
                EnsureCapacity(_count + n, limit);
                data.Span[..n].CopyTo(_buffer.AsSpan(_count));
                _count += n;
                _length += n;
                data = data[n..];
            }
        }
        catch (Exception ex)
        {
            await FailAsync(ex).ConfigureAwait(false);
            throw;
        }
    }

    private async Task SendFullPartsAsync(CancellationToken cancellationToken)
    {
        if (_uploadId is null)
        {
            var request = new InitiateMultipartUploadRequest { BucketName = _store.Bucket, Key = _objectKey };
            var started = await _store.SendAsync("CreateMultipartUpload", _objectKey, ct => _store.Client.InitiateMultipartUploadAsync(request, ct), cancellationToken).ConfigureAwait(false);
            _uploadId = started.UploadId;
            S3BlobStore.LogMultipartStarted(_store.Logger, _store.Bucket, _objectKey);
        }

        var partSize = _store.PartSize;
        var offset = 0;
        while (_count - offset >= partSize)
        {
            await UploadPartAsync(offset, partSize, cancellationToken).ConfigureAwait(false);
            offset += partSize;
        }

        Buffer.BlockCopy(_buffer, offset, _buffer, 0, _count - offset);
        _count -= offset;
    }

    private async Task UploadPartAsync(int offset, int size, CancellationToken cancellationToken)
    {
        if (_parts.Count == MaxParts)
        {
            throw new InvalidOperationException(
                $"The upload of '{_key}' needs more than S3's {MaxParts} parts; raise {S3LakeOptions.SectionName}:PartSize (now {_store.PartSize}).");
        }

        var number = _parts.Count + 1;
        using var body = new MemoryStream(_buffer, offset, size, writable: false);
        var request = new UploadPartRequest
        {
            BucketName = _store.Bucket,
            Key = _objectKey,
            UploadId = _uploadId,
            PartNumber = number,
            InputStream = body,
            IsLastPart = false,
            UseChunkEncoding = _store.UseChunkEncoding,
        };
        var response = await _store.SendAsync("UploadPart", _objectKey, ct => _store.Client.UploadPartAsync(request, ct), cancellationToken).ConfigureAwait(false);
        _parts.Add(new PartETag(number, response.ETag));
        _store.Metrics.PartUploaded();
    }

    private void EnsureCapacity(int needed, int limit)
    {
        if (_buffer.Length >= needed)
        {
            return;
        }

        // Grow by doubling, up to the limit: a small object never holds a threshold-sized buffer.
        var size = Math.Min(limit, Math.Max(needed, Math.Max(InitialBufferSize, _buffer.Length * 2)));
        var grown = ArrayPool<byte>.Shared.Rent(size);
        _buffer.AsSpan(0, _count).CopyTo(grown);
        ReleaseBuffer();
        _buffer = grown;
    }

    private void ReleaseBuffer()
    {
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }

    private async ValueTask FailAsync(Exception ex)
    {
        _fault ??= ex;
        if (_uploadId is not null)
        {
            await AbortAsync(ex.GetType().Name).ConfigureAwait(false);
        }
    }

    private async ValueTask AbortAsync(string reason)
    {
        var uploadId = _uploadId!;
        _uploadId = null;
        try
        {
            // Not the caller's token: the abort must go out even when cancellation caused it.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var request = new AbortMultipartUploadRequest { BucketName = _store.Bucket, Key = _objectKey, UploadId = uploadId };
            await _store.SendAsync("AbortMultipartUpload", _objectKey, ct => _store.Client.AbortMultipartUploadAsync(request, ct), timeout.Token).ConfigureAwait(false);
            _store.Metrics.Aborted();
            S3BlobStore.LogAborted(_store.Logger, _store.Bucket, _objectKey, reason);
        }
        catch (Exception ex) when (ex is S3BlobStoreException or OperationCanceledException)
        {
            S3BlobStore.LogAbortFailed(_store.Logger, ex, uploadId, _store.Bucket, _objectKey);
        }
    }

    private void ThrowIfFaulted()
    {
        if (_fault is not null)
        {
            throw new InvalidOperationException($"The upload of '{_key}' failed earlier and was aborted; start a new one.", _fault);
        }
    }

    /// <summary>The write-only, forward-only stream handed to callers.</summary>
    private sealed class UploadStream(S3BlobUpload upload) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => !upload._disposed && !upload._committed;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => upload._length;
            set => throw new NotSupportedException("An S3 upload is written forward only.");
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            upload.WriteAsync(buffer, cancellationToken);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            upload.WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count) =>
            throw new NotSupportedException("An S3 upload sends parts over the network as it fills; write with WriteAsync.");

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("An S3 upload is written forward only.");

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
