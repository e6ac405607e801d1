using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Affiliate.Sdk.Json;

namespace Affiliate.Sdk.Kafka.Tests;

/// <summary>Runs only where kcat is installed; under <c>CI=true</c> a missing kcat fails instead of skipping.</summary>
public sealed class KcatFactAttribute : FactAttribute
{
    public KcatFactAttribute()
    {
        if (Kcat.Path is null && !Kcat.RequiredByCi)
        {
            Skip = "kcat is not installed (Debian: apt-get install -y kcat); scripts/test.sh installs it, and under CI=true this test fails instead.";
        }
    }
}

internal static class Kcat
{
    public static bool RequiredByCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static string? Path { get; } = Find();

    private static string? Find() =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .SelectMany(dir => new[] { System.IO.Path.Combine(dir, "kcat"), System.IO.Path.Combine(dir, "kafkacat") })
            .FirstOrDefault(File.Exists);
}

[Collection(KafkaClusterGroup.Name)]
public sealed class KcatTests(MockKafkaCluster cluster)
{
    [KcatFact]
    public async Task Kcat_reads_what_the_publisher_wrote_as_ordinary_kafka_records()
    {
        Assert.True(Kcat.Path is not null, "kcat is required under CI=true (Debian package 'kcat').");
        var topic = cluster.CreateTopic(partitions: 2);
        var options = cluster.Options(topic);
        var events = TestEvents.Mixed(30);
        await using (var publisher = new KafkaEventPublisher(options))
        {
            await publisher.PublishBatchAsync(events, default);
        }

        var start = new ProcessStartInfo(Kcat.Path!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-C", "-J", "-e", "-q", "-o", "beginning", "-b", cluster.BootstrapServers, "-t", topic })
        {
            start.ArgumentList.Add(argument);
        }

        using var kcat = Process.Start(start)!;
        var stdout = kcat.StandardOutput.ReadToEndAsync();
        var stderr = kcat.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await kcat.WaitForExitAsync(timeout.Token);
        Assert.True(kcat.ExitCode == 0, $"kcat exited with {kcat.ExitCode}: {await stderr}");

        var seen = new HashSet<Guid>();
        foreach (var line in (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var record = JsonDocument.Parse(line);
            var root = record.RootElement;
            var payload = Encoding.UTF8.GetBytes(root.GetProperty("payload").GetString()!);
            var e = TrackingEventSerializer.Deserialize(payload);
            seen.Add(e.EventId);
            Assert.Equal(KafkaPartitionKey.For(e), Encoding.UTF8.GetBytes(root.GetProperty("key").GetString()!));

            var headers = root.GetProperty("headers").EnumerateArray().Select(h => h.GetString()).ToList();
            var contentType = headers.IndexOf(KafkaEventPublisher.ContentTypeHeader);
            Assert.True(contentType >= 0, $"No content-type header in {line}");
            Assert.Equal(TrackingEventSerializer.ContentType, headers[contentType + 1]);
            var schema = headers.IndexOf(KafkaEventPublisher.SchemaVersionHeader);
            Assert.Equal("1", headers[schema + 1]);
        }

        Assert.Equal(events.Select(e => e.EventId).ToHashSet(), seen);
    }
}
