using System.Diagnostics;
using Affiliate.Sdk.Json;
using Affiliate.Sdk.Pipeline;

namespace Affiliate.Sdk.Kinesis.Tests;

/// <summary>Reading helpers for the integration tests.</summary>
internal static class Harness
{
    public static KinesisEventSource Source(KinesisLocal server, string stream, string directory, string worker, Action<KinesisOptions>? configure = null)
    {
        var options = server.Options(stream, o =>
        {
            o.WorkerId = worker;
            o.LeaseDuration = TimeSpan.FromSeconds(3);
            o.ShardRefreshInterval = TimeSpan.FromMilliseconds(500);
            configure?.Invoke(o);
        });
        return new KinesisEventSource(new KinesisHttpClient(options), new FileKinesisCheckpointStore(directory), options);
    }

    /// <summary>Reads and commits until <paramref name="done"/> holds for the event ids seen, or fails at the deadline.</summary>
    public static async Task<List<(Guid EventId, SourceRecord Record)>> DrainAsync(IEventSource source, Func<IReadOnlyCollection<Guid>, bool> done, TimeSpan? timeout = null, bool commit = true, int batchSize = 1000)
    {
        var seen = new List<(Guid, SourceRecord)>();
        var ids = new HashSet<Guid>();
        var deadline = Stopwatch.StartNew();
        while (!done(ids))
        {
            Assert.True(deadline.Elapsed < (timeout ?? TimeSpan.FromSeconds(60)), $"only {ids.Count} distinct events arrived before the deadline");
            var batch = await source.ReadAsync(batchSize, TimeSpan.FromMilliseconds(200), CancellationToken.None);
            foreach (var record in batch.Records)
            {
                var e = TrackingEventSerializer.Deserialize(record.Payload.Span);
                seen.Add((e.EventId, record));
                ids.Add(e.EventId);
            }

            if (commit)
            {
                await source.CommitAsync(batch.Checkpoint, CancellationToken.None);
            }
        }

        return seen;
    }
}

/// <summary>A temporary directory removed on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "kinesis-tests-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
