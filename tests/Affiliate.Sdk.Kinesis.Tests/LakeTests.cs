using System.Diagnostics;
using System.Diagnostics.Metrics;
using Affiliate.Sdk.Lake.Parquet;
using Affiliate.Sdk.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.Kinesis.Tests;

/// <summary>Kinesis → StreamToLakeWorker → Parquet bronze, with the real lake writer and a restart in between.</summary>
[Collection(KinesisLocalGroup.Name)]
public sealed class LakeTests(KinesisLocal server)
{
    [KinesisTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Published_events_land_in_bronze_exactly_once_after_dedup_across_a_restart(bool aggregation)
    {
        var stream = await server.CreateStreamAsync(2);
        using var checkpoints = new TempDirectory();
        using var lake = new TempDirectory();
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        var store = new LocalDiskBlobStore(lake.Path);
        var first = TestEvents.Mixed(700);
        var second = TestEvents.Mixed(500, offset: 700);
        await using var publisher = new KinesisEventPublisher(server.CreateClient(stream), server.Options(stream, o => o.Aggregation = aggregation));
        await publisher.PublishBatchAsync(first, CancellationToken.None);

        await RunWorkerUntilAsync(stream, checkpoints.Path, store, meters, first.Select(e => e.EventId).ToHashSet());

        // A second worker process (new source, same checkpoint store) picks up after the first one's commits.
        await publisher.PublishBatchAsync(second, CancellationToken.None);
        var all = first.Concat(second).Select(e => e.EventId).ToHashSet();
        var landed = await RunWorkerUntilAsync(stream, checkpoints.Path, store, meters, all);

        Assert.Equal(all, landed.Select(r => r.Event.EventId).ToHashSet());
        Assert.All(landed, r => Assert.StartsWith("kinesis:", r.Ingestion.Source, StringComparison.Ordinal));
        Assert.Equal(landed.Count, landed.Select(r => (r.Ingestion.Partition, r.Ingestion.Position)).Distinct().Count());
    }

    private async Task<List<BronzeRecord>> RunWorkerUntilAsync(string stream, string checkpoints, LocalDiskBlobStore store, IMeterFactory meters, HashSet<Guid> expected)
    {
        var source = Harness.Source(server, stream, checkpoints, "lake-worker-" + Guid.NewGuid().ToString("N")[..8]);
        var writer = new ParquetLakeWriter(store, new ParquetLakeOptions());
        var options = Options.Create(new StreamToLakeOptions { BatchSize = 400, MaxWait = TimeSpan.FromMilliseconds(200), FlushInterval = TimeSpan.FromMilliseconds(500) });
        var worker = new StreamToLakeWorker(source, writer, options, meters, NullLogger<StreamToLakeWorker>.Instance);
        await worker.StartAsync(CancellationToken.None);
        try
        {
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                var landed = await ReadBronzeAsync(store);
                if (expected.IsSubsetOf(landed.Select(r => r.Event.EventId)))
                {
                    return landed;
                }

                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), $"{landed.Count} of {expected.Count} events landed before the deadline");
                await Task.Delay(100);
            }
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
            worker.Dispose();
            await source.DisposeAsync();
        }
    }

    private static async Task<List<BronzeRecord>> ReadBronzeAsync(LocalDiskBlobStore store)
    {
        var result = new List<BronzeRecord>();
        await foreach (var record in new BronzeReader(store).ReadEventsAsync(CancellationToken.None))
        {
            result.Add(record);
        }

        return result;
    }
}
