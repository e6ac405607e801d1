using System.Diagnostics;
using System.Globalization;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.Lake.Parquet;
using Affiliate.Sdk.Medallion;
using Affiliate.Sdk.Pipeline;

namespace Affiliate.Sdk.Kafka.Tests;

/// <summary>
/// A real crash: a child process runs the Kafka source, the stream-to-lake worker and the Parquet lake against the mock
/// cluster of this process and is killed (SIGKILL) mid-stream several times; the last run must leave every event in bronze.
/// </summary>
[Collection(KafkaClusterGroup.Name)]
public sealed class KillTests(MockKafkaCluster cluster, Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task A_consumer_process_killed_mid_stream_and_restarted_loses_nothing()
    {
        const int Count = 20_000;
        var topic = cluster.CreateTopic();
        var group = "lake-" + Guid.NewGuid().ToString("N");
        var events = TestEvents.Mixed(Count);
        await using (var publisher = new KafkaEventPublisher(cluster.Options(topic, group)))
        {
            await Task.WhenAll(events.Chunk(1_000).Select(chunk => publisher.PublishBatchAsync(chunk, default).AsTask()));
        }

        var dir = Path.Combine(Path.GetTempPath(), "kafka-kill-" + Guid.NewGuid().ToString("N"));
        var lake = Path.Combine(dir, "lake");
        var reader = new BronzeReader(new LocalDiskBlobStore(lake));
        var kills = 0;

        // Kill at growing fill levels; each restart must resume from the last committed offsets, not from the start.
        for (var round = 0; round < 3; round++)
        {
            var killAt = await reader.ListEventFilesAsync(default).CountAsync() + 15;
            using var child = Start(dir, topic, group);
            // Progress is the number of committed bronze files (a cheap listing): each holds at most 50 rows.
            await UntilAsync(
                async () => child.HasExited || await reader.ListEventFilesAsync(default).CountAsync() >= killAt,
                TimeSpan.FromSeconds(30),
                $"the child to commit {killAt} bronze files");
            if (child.HasExited)
            {
                Assert.Fail("the crash host ended on its own: " + ErrorsOf(child));
            }

            child.Kill(entireProcessTree: true); // SIGKILL on Unix: no flush, no commit, no dispose in the child.
            await child.WaitForExitAsync();
            var landed = await CountDistinct(reader);
            output.WriteLine($"killed with {landed} of {Count} events in bronze");
            if (landed >= Count)
            {
                break; // too late to kill mid-stream; the remaining rounds would only restart an idle consumer
            }

            kills++;
        }

        using (var last = Start(dir, topic, group))
        {
            await UntilAsync(
                async () => last.HasExited || await CountDistinct(reader) == Count,
                TimeSpan.FromSeconds(60),
                "the restarted child to land every event");
            if (last.HasExited)
            {
                Assert.Fail("the crash host ended on its own: " + ErrorsOf(last));
            }

            last.Kill(entireProcessTree: true);
            await last.WaitForExitAsync();
        }

        var bronze = new List<TrackingEvent>();
        await foreach (var row in reader.ReadEventsAsync(default))
        {
            bronze.Add(row.Event);
        }

        Assert.True(kills >= 1, "the child should have been killed mid-stream at least once");
        var ids = bronze.Select(e => e.EventId).ToHashSet();
        Assert.Equal(events.Select(e => e.EventId).Order(), ids.Order());
        Assert.Empty(await reader.ReadRejectsAsync(default).ToListAsync());
        output.WriteLine($"{kills} kills; {bronze.Count} bronze rows for {Count} events ({bronze.Count - Count} duplicates)");

        // Silver and gold dedup the replays: the same result as from the events published once.
        var catalog = AffiliateGenerators.Catalog;
        var medallion = AffiliateGenerators.CreateMedallionOptions();
        var expected = MedallionReference.Compute(events, catalog, medallion, GoldGrain.Hour);
        var actual = MedallionReference.Compute(bronze, catalog, medallion, GoldGrain.Hour);
        // (compared by identity and counts: Parquet stores timestamps to the microsecond, the published events to the tick)
        Assert.Equal(expected.Conversions.Select(c => c.EventId), actual.Conversions.Select(c => c.EventId));
        Assert.Equal(expected.Gold.Keys.Count(), actual.Gold.Count);
        Directory.Delete(dir, recursive: true);
    }

    /// <summary>Waits for an asynchronous condition with a deadline (no fixed sleeps).</summary>
    private static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan deadline, string what)
    {
        var started = DateTime.UtcNow;
        while (!await condition())
        {
            if (DateTime.UtcNow - started > deadline)
            {
                Assert.Fail($"Timed out after {deadline} waiting for: {what}");
            }

            await Task.Delay(50);
        }
    }

    private static async Task<int> CountDistinct(BronzeReader reader)
    {
        var ids = new HashSet<Guid>();
        await foreach (var row in reader.ReadEventsAsync(default))
        {
            ids.Add(row.Event.EventId);
        }

        return ids.Count;
    }

    /// <summary>Starts the crash host with the settings an application would have, small batches so it commits often.</summary>
    private Process Start(string directory, string topic, string group)
    {
        var host = Path.Combine(AppContext.BaseDirectory, "Affiliate.Sdk.Kafka.CrashHost.dll");
        Assert.True(File.Exists(host), $"the crash host should be built beside the tests ({host})");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(host);
        var settings = new Dictionary<string, string>
        {
            ["AffiliateSdk:ClickIds:ActiveKeyId"] = "1",
            ["AffiliateSdk:ClickIds:Keys:0:Id"] = "1",
            ["AffiliateSdk:ClickIds:Keys:0:Secret"] = Convert.ToBase64String(new byte[32]),
            ["AffiliateSdk:Kafka:BootstrapServers"] = cluster.BootstrapServers,
            ["AffiliateSdk:Kafka:Topic"] = topic,
            ["AffiliateSdk:Kafka:GroupId"] = group,
            ["AffiliateSdk:Kafka:Consumer:session.timeout.ms"] = "6000",
            ["AffiliateSdk:Kafka:Consumer:heartbeat.interval.ms"] = "300",
            ["AffiliateSdk:Kafka:RevocationGracePeriod"] = "00:00:05",
            ["AffiliateSdk:LocalLog:Directory"] = Path.Combine(directory, "spool"),
            ["AffiliateSdk:Lake:Root"] = Path.Combine(directory, "lake"),
            ["AffiliateSdk:Lake:CompactionInterval"] = "01:00:00",
            ["AffiliateSdk:Kafka:PrefetchRecords"] = "500",
            ["AffiliateSdk:Lake:MaxRowsPerFile"] = "50",
            ["AffiliateSdk:Pipeline:StreamToLake:BatchSize"] = "50",
            ["AffiliateSdk:Pipeline:StreamToLake:MaxWait"] = "00:00:00.050",
            ["AffiliateSdk:Pipeline:StreamToLake:FlushInterval"] = "00:00:00.001",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings)
        {
            start.ArgumentList.Add($"--{key}={value}");
        }

        var process = Process.Start(start)!;

        // Keep both pipes drained so the child never blocks on its output; keep its errors for the failure message.
        var errors = new System.Text.StringBuilder();
        Errors.Add(process, errors);
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (errors)
            {
                errors.AppendLine(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Process, System.Text.StringBuilder> Errors = [];

    private static string ErrorsOf(Process process)
    {
        process.WaitForExit(); // it has exited: this only waits for the end of the redirected output
        var errors = Errors.TryGetValue(process, out var e) ? e : new System.Text.StringBuilder();
        lock (errors)
        {
            return errors.ToString();
        }
    }
}
