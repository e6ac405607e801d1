using Affiliate.Sdk.DependencyInjection;
using Affiliate.Sdk.Diagnostics;
using Affiliate.Sdk.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Affiliate.Sdk.Lake.Parquet.Tests;

public sealed class LakeCompactionWorkerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 9, 30, 0, TimeSpan.Zero);

    private static ServiceProvider Build(string root, TimeSpan interval)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddAffiliateSdk().AddParquetLake(o =>
        {
            o.Root = root;
            o.CompactionInterval = interval;
        });
        return services.BuildServiceProvider();
    }

    private static IHostedService Worker(IServiceProvider sp) =>
        sp.GetServices<IHostedService>().Single(s => s.GetType() == typeof(LakeCompactionWorker));

    private static async Task<List<string>> Files(IBlobStore store)
    {
        var keys = new List<string>();
        await foreach (var item in new BronzeReader(store).ListEventFilesAsync(default))
        {
            keys.Add(item.Key);
        }

        return keys;
    }

    [Fact]
    public async Task The_worker_merges_small_files_on_its_interval_and_keeps_every_row()
    {
        using var dir = new TempDirectory();
        await using var sp = Build(dir.Path, TimeSpan.FromMilliseconds(100));
        var store = sp.GetRequiredService<IBlobStore>();
        var writer = sp.GetRequiredService<ILakeWriter>();
        var written = new List<Guid>();
        for (var f = 0; f < 4; f++)
        {
            var rows = Enumerable.Range(f * 25, 25).Select(i => LakeGenerators.Click(i, T0.AddSeconds(i))).ToList();
            await writer.AppendAsync(rows, [], default);
            await writer.FlushAsync(default);
            written.AddRange(rows.Select(r => r.Event.EventId));
        }

        Assert.Equal(4, (await Files(store)).Count);

        var worker = Worker(sp);
        await worker.StartAsync(default);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await Files(store)).Count > 1)
        {
            Assert.True(DateTime.UtcNow < deadline, "the compaction worker did not merge the small files within 30 s");
            await Task.Delay(50);
        }

        await worker.StopAsync(default);

        var read = new List<Guid>();
        await foreach (var row in new BronzeReader(store).ReadEventsAsync(default))
        {
            read.Add(row.Event.EventId);
        }

        Assert.Equal(written.Order(), read.Order());
        var health = sp.GetRequiredService<PipelineHealth>().Snapshot();
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, health["lake_compaction"].Status);
    }

    [Fact]
    public async Task A_zero_interval_turns_compaction_off()
    {
        using var dir = new TempDirectory();
        await using var sp = Build(dir.Path, TimeSpan.Zero);
        var store = sp.GetRequiredService<IBlobStore>();
        var writer = sp.GetRequiredService<ILakeWriter>();
        for (var f = 0; f < 2; f++)
        {
            await writer.AppendAsync([LakeGenerators.Click(f, T0.AddSeconds(f))], [], default);
            await writer.FlushAsync(default);
        }

        var worker = (BackgroundService)Worker(sp);
        await worker.StartAsync(default);
        await worker.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(worker.ExecuteTask.IsCompletedSuccessfully);
        Assert.Equal(2, (await Files(store)).Count);
    }

    [Fact]
    public void The_worker_is_registered_once()
    {
        var services = new ServiceCollection();
        services.AddAffiliateSdk().AddParquetLake().AddParquetLake();

        Assert.Single(services, d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(LakeCompactionWorker));
    }
}
