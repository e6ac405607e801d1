using System.Globalization;
using Affiliate.Sdk.DependencyInjection;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.Lake.Parquet;
using Affiliate.Sdk.Pipeline;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.S3.Tests;

/// <summary>The real pipeline with the lake on S3: durable local log → stream-to-lake worker → Parquet bronze in the bucket.</summary>
[Collection(S3ServerGroup.Name)]
public sealed class StreamToS3LakeTests(S3rverFixture s3) : IDisposable
{
    private static readonly string Secret = Convert.ToBase64String(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "affiliate-s3-tests", Guid.NewGuid().ToString("N"));
    private readonly string _prefix = $"e2e/{Guid.NewGuid():N}";

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private ServiceProvider Build()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AffiliateSdk:ClickIds:ActiveKeyId"] = "1",
            ["AffiliateSdk:ClickIds:Keys:0:Id"] = "1",
            ["AffiliateSdk:ClickIds:Keys:0:Secret"] = Secret,
            ["AffiliateSdk:LocalLog:Directory"] = Path.Combine(_dir, "log"),
            ["AffiliateSdk:Lake:MaxRowsPerFile"] = "37",
            ["AffiliateSdk:Pipeline:StreamToLake:BatchSize"] = "16",
            ["AffiliateSdk:Pipeline:StreamToLake:MaxWait"] = "00:00:00.020",
            ["AffiliateSdk:S3:Bucket"] = S3rverFixture.Bucket,
            ["AffiliateSdk:S3:Prefix"] = _prefix,
            ["AffiliateSdk:S3:ServiceUrl"] = s3.ServiceUrl,
            ["AffiliateSdk:S3:ForcePathStyle"] = "true",
            ["AffiliateSdk:S3:AccessKey"] = S3rverFixture.AccessKey,
            ["AffiliateSdk:S3:SecretKey"] = S3rverFixture.SecretKey,
            ["AffiliateSdk:S3:ChecksumsOnlyWhenRequired"] = "true",
            ["AffiliateSdk:S3:UseChunkEncoding"] = "false",
        }).Build());
        services.AddLogging();
        services.AddAffiliateSdk().AddParquetLake().AddS3Lake();
        return services.BuildServiceProvider();
    }

    private static async Task<HashSet<Guid>> Landed(IServiceProvider sp)
    {
        var ids = new HashSet<Guid>();
        await foreach (var row in sp.GetRequiredService<BronzeReader>().ReadEventsAsync(default))
        {
            ids.Add(row.Event.EventId);
        }

        return ids;
    }

    [S3Fact]
    public async Task Events_published_to_the_local_log_land_in_bronze_on_s3_and_compact_there()
    {
        await using var sp = Build();
        sp.GetRequiredService<IStartupValidator>().Validate();
        var now = DateTimeOffset.UtcNow;
        // Every event in one hour partition per kind (half past the previous hour): near the top of the hour, events spread
        // over two partitions could each stay under MaxRowsPerFile, land as one file apiece and leave nothing to compact.
        var anchor = new DateTimeOffset(now.UtcDateTime.Date.AddHours(now.UtcDateTime.Hour), TimeSpan.Zero).AddMinutes(-30);
        var events = Enumerable.Range(0, 150).Select(i => new TrackingEvent
        {
            EventId = Guid.CreateVersion7(),
            Kind = (EventKind)(1 + (i % 3)),
            OccurredAt = anchor.AddSeconds(-i),
            ReceivedAt = now,
            ClickId = "c" + i.ToString(CultureInfo.InvariantCulture),
            OfferId = "o1",
            AffiliateId = "a1",
            Status = i % 3 == 2 ? ConversionStatus.Approved : null,
            Payout = i % 3 == 2 ? new Money(12.5m, "USD") : null,
        }).ToList();
        await sp.GetRequiredService<IEventPublisher>().PublishBatchAsync(events, default);
        var published = events.Select(e => e.EventId).ToHashSet();
        var worker = sp.GetServices<IHostedService>().OfType<StreamToLakeWorker>().Single();

        await worker.StartAsync(default);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!(await Landed(sp)).IsSupersetOf(published))
        {
            Assert.True(DateTime.UtcNow < deadline, "Timed out waiting until every published event is in bronze on S3.");
            await Task.Delay(50);
        }

        await worker.StopAsync(default);

        Assert.NotEmpty(await s3.ObjectKeys(_prefix + "/bronze/events/"));
        var result = await sp.GetRequiredService<LakeCompactor>().CompactAsync(default);
        Assert.True(result.FilesMerged > 0, $"Nothing was compacted: {result}.");
        Assert.Equal(published, await Landed(sp));
        Assert.Empty(await s3.PendingUploads(_prefix));
    }
}
