using Affiliate.Sdk.IO;
using System.Buffers;
using System.Text.Json;

namespace Affiliate.Sdk.Kinesis;

/// <summary>
/// The default <see cref="IKinesisCheckpointStore"/>: one JSON file per stream, replaced atomically (temporary file,
/// fsync, rename, directory fsync) under an exclusive lock file, so workers of one machine (or sharing one file system
/// with working locks) can share leases.
/// </summary>
internal sealed partial class FileKinesisCheckpointStore : IKinesisCheckpointStore
{
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(30);
    private readonly string _directory;

    public FileKinesisCheckpointStore(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        _directory = Path.GetFullPath(directory);
    }

    public async ValueTask<IReadOnlyList<KinesisShardLease>> ListAsync(string streamName, CancellationToken cancellationToken)
    {
        using var held = await LockAsync(streamName, cancellationToken).ConfigureAwait(false);
        return Read(streamName).Values.ToList();
    }

    public async ValueTask<bool> TryWriteAsync(string streamName, KinesisShardLease lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        using var held = await LockAsync(streamName, cancellationToken).ConfigureAwait(false);
        var all = Read(streamName);
        var current = all.TryGetValue(lease.ShardId, out var stored) ? stored.Version : 0;
        if (current != lease.Version - 1)
        {
            return false;
        }

        all[lease.ShardId] = lease;
        Write(streamName, all);
        return true;
    }

    private string FileOf(string streamName) => Path.Combine(_directory, StreamNames.IsValid(streamName) ? streamName + ".leases.json" : throw new ArgumentException($"'{streamName}' is not a valid stream name.", nameof(streamName)));

    private async ValueTask<FileStream> LockAsync(string streamName, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_directory);
        var path = FileOf(streamName) + ".lock";
        var started = TimeProvider.System.GetTimestamp();
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            }
            catch (IOException) when (TimeProvider.System.GetElapsedTime(started) < LockTimeout)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(2, 10)), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private Dictionary<string, KinesisShardLease> Read(string streamName)
    {
        var result = new Dictionary<string, KinesisShardLease>(StringComparer.Ordinal);
        var path = FileOf(streamName);
        if (!File.Exists(path))
        {
            return result;
        }

        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        foreach (var shard in doc.RootElement.GetProperty("shards").EnumerateArray())
        {
            KinesisShardCheckpoint? checkpoint = null;
            if (shard.TryGetProperty("sequenceNumber", out var seq) && seq.ValueKind == JsonValueKind.String)
            {
                checkpoint = new KinesisShardCheckpoint(seq.GetString()!, shard.GetProperty("subSequenceNumber").GetInt64(), shard.GetProperty("recordComplete").GetBoolean());
            }

            var lease = new KinesisShardLease(
                shard.GetProperty("shardId").GetString()!,
                shard.TryGetProperty("owner", out var o) && o.ValueKind == JsonValueKind.String ? o.GetString() : null,
                shard.GetProperty("expiresAt").GetDateTimeOffset(),
                shard.TryGetProperty("pendingOwner", out var po) && po.ValueKind == JsonValueKind.String ? po.GetString() : null,
                checkpoint,
                shard.GetProperty("shardEnded").GetBoolean(),
                shard.GetProperty("version").GetInt64());
            result[lease.ShardId] = lease;
        }

        return result;
    }

    private void Write(string streamName, Dictionary<string, KinesisShardLease> all)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("stream", streamName);
            w.WriteStartArray("shards");
            foreach (var lease in all.Values.OrderBy(l => l.ShardId, StringComparer.Ordinal))
            {
                w.WriteStartObject();
                w.WriteString("shardId", lease.ShardId);
                w.WriteString("owner", lease.Owner);
                w.WriteString("expiresAt", lease.ExpiresAt);
                w.WriteString("pendingOwner", lease.PendingOwner);
                if (lease.Checkpoint is { } c)
                {
                    w.WriteString("sequenceNumber", c.SequenceNumber);
                    w.WriteNumber("subSequenceNumber", c.SubSequenceNumber);
                    w.WriteBoolean("recordComplete", c.RecordComplete);
                }

                w.WriteBoolean("shardEnded", lease.ShardEnded);
                w.WriteNumber("version", lease.Version);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        var path = FileOf(streamName);
        var temp = path + ".tmp";
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.None))
        {
            file.Write(buffer.WrittenSpan);
            file.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
        DurableDirectory.Flush(_directory);
    }
}
