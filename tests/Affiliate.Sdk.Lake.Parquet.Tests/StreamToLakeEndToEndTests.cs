using System.Globalization;
using Affiliate.Sdk.DependencyInjection;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.Pipeline;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Affiliate.Sdk.Lake.Parquet.Tests;

/// <summary>The real pipeline: durable local log → stream-to-lake worker → Parquet bronze on local disk.</summary>
public sealed class StreamToLakeEndToEndTests : IDisposable
{
    private static readonly string Secret = Convert.ToBase64String(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private ServiceProvider Build() 
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AffiliateSdk:ClickIds:ActiveKeyId"] = "1",
            ["AffiliateSdk:ClickIds:Keys:0:Id"] = "1",
            ["AffiliateSdk:ClickIds:Keys:0:Secret"] = Secret,
            ["AffiliateSdk:LocalLog:Directory"] = Path.Combine(_dir.Path, "log"),
            ["AffiliateSdk:Lake:Root"] = Path.Combine(_dir.Path, "lake"),
            ["AffiliateSdk:Lake:MaxRowsPerFile"] = "37",
            ["AffiliateSdk:Pipeline:StreamToLake:BatchSize"] = "16",
            ["AffiliateSdk:Pipeline:StreamToLake:MaxWait"] = "00:00:00.020",
            ["AffiliateSdk:Pipeline:StreamToLake:RetryInitialDelay"] = "00:00:00.001",
        }).Build());
        services.AddLogging();
        services.AddAffiliateSdk().AddParquetLake();
        return services.BuildServiceProvider();
    }

    private static StreamToLakeWorker WorkerOf(IServiceProvider sp) => sp.GetServices<IHostedService>().OfType<StreamToLakeWorker>().Single();

    private static async Task<HashSet<Guid>> Landed(IServiceProvider sp)
    {
        var ids = new HashSet<Guid>();
        await foreach (var row in sp.GetRequiredService<BronzeReader>().ReadEventsAsync(default))
        {
            ids.Add(row.Event.EventId);
        }

        return ids;
    }

    private static async Task<List<Guid>> Publish(IServiceProvider sp, int count, int first)
    {
        var now = DateTimeOffset.UtcNow;
        var events = Enumerable.Range(first, count).Select(i => new TrackingEvent
        {
            EventId = Guid.CreateVersion7(),
            Kind = (EventKind)(1 + (i % 3)),
            OccurredAt = now.AddMinutes(-i),
            ReceivedAt = now,
            ClickId = "c" + i.ToString(CultureInfo.InvariantCulture),
            OfferId = "o1",
            AffiliateId = "a1",
            Status = i % 3 == 2 ? ConversionStatus.Approved : null,
            Payout = i % 3 == 2 ? new Money(12.5m, "USD") : null,
        }).ToList();
        await sp.GetRequiredService<IEventPublisher>().PublishBatchAsync(events, default);
        return events.Select(e => e.EventId).ToList();
    }

    private static async Task Eventually(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting until {what}.");
            }

            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task Events_published_to_the_local_log_land_in_bronze()
    {
        await using var sp = Build();
        var published = await Publish(sp, 200, 0);
        var worker = WorkerOf(sp);

        await worker.StartAsync(default);
        await Eventually(async () => (await Landed(sp)).IsSupersetOf(published), "every published event is in bronze");
        await worker.StopAsync(default);

        var rows = new List<BronzeRecord>();
        await foreach (var row in sp.GetRequiredService<BronzeReader>().ReadEventsAsync(default))
        {
            rows.Add(row);
        }

        Assert.All(rows, r => Assert.Equal("local_log", r.Ingestion.Source));
        Assert.Equal(12.5m, rows.First(r => r.Event.Kind == EventKind.Conversion).Event.Payout!.Value.Amount);
    }

    [Fact]
    public async Task A_worker_killed_at_any_point_loses_no_event_after_a_restart_on_the_reopened_log()
    {
        var published = new List<Guid>();
        for (var round = 0; round < 6; round++)
        {
            var sp = Build();
            published.AddRange(await Publish(sp, 60, round * 60));
            var worker = WorkerOf(sp);
            var filesBefore = await CountFiles(sp);
            await worker.StartAsync(default);

            // Kill at different points: at once, after the first commit, after several.
            await Eventually(async () => round == 0 || await CountFiles(sp) >= filesBefore + round, "the worker makes progress");
            await Kill(worker);
            await sp.DisposeAsync();
        }

        await using var final = Build();
        var restarted = WorkerOf(final);
        await restarted.StartAsync(default);
        await Eventually(async () => (await Landed(final)).IsSupersetOf(published), "every published event is in bronze after the restart");
        await restarted.StopAsync(default);

        Assert.Equal(published.Count, published.Distinct().Count());
    }

    /// <summary>Stops with a shutdown timeout that has already fired: no final flush, no commit.</summary>
    private static async Task Kill(StreamToLakeWorker worker)
    {
        try
        {
            await worker.StopAsync(new CancellationToken(canceled: true));
        }
        catch (OperationCanceledException)
        {
            // The host's stop gave up waiting, as it does when its shutdown timeout fires.
        }

        try
        {
            await (worker.ExecuteTask ?? Task.CompletedTask).WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (OperationCanceledException) when (worker.ExecuteTask!.IsCanceled)
        {
            // Stopped before its loop ever ran (the host starts it on the thread pool with the stopping token).
        }
    }

    private static async Task<int> CountFiles(IServiceProvider sp)
    {
        var n = 0;
        await foreach (var _ in sp.GetRequiredService<BronzeReader>().ListEventFilesAsync(default))
        {
            n++;
        }

        return n;
    }
}
