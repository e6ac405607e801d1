using System.Globalization;
using Affiliate.Sdk.DependencyInjection;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.Pipeline;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

// Usage: CrashHost <log directory> <writers> <segment bytes> <run id>
// Publishes events through the registered local log publisher from many writers, single events and batches mixed,
// and prints "ack <click id>" for every event once its publish call completed (i.e. it is durable). Runs until killed.
var directory = args[0];
var writers = int.Parse(args[1], CultureInfo.InvariantCulture);
var segmentBytes = args[2];
var run = args[3];

var services = new ServiceCollection();
services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
{
    ["AffiliateSdk:LocalLog:Directory"] = directory,
    ["AffiliateSdk:LocalLog:SegmentBytes"] = segmentBytes,
}).Build());
services.AddAffiliateSdk();
await using var provider = services.BuildServiceProvider();
var publisher = provider.GetRequiredService<IEventPublisher>();
var output = Console.Out;
var gate = new object();
Console.WriteLine("ready");

await Task.WhenAll(Enumerable.Range(0, writers).Select(writer => Task.Run(async () =>
{
    for (var i = 0; ; i++)
    {
        var batch = Enumerable.Range(0, i % 4 == 3 ? 3 : 1).Select(j => NewEvent($"c-{run}-{writer}-{i}-{j}")).ToList();
        if (batch.Count == 1)
        {
            await publisher.PublishAsync(batch[0], CancellationToken.None);
        }
        else
        {
            await publisher.PublishBatchAsync(batch, CancellationToken.None);
        }

        lock (gate)
        {
            foreach (var e in batch)
            {
                output.WriteLine("ack " + e.ClickId);
            }

            output.Flush();
        }
    }
})));

static TrackingEvent NewEvent(string clickId) => new()
{
    EventId = Guid.CreateVersion7(),
    Kind = EventKind.Click,
    OccurredAt = DateTimeOffset.UtcNow,
    ReceivedAt = DateTimeOffset.UtcNow,
    ClickId = clickId,
    OfferId = "offer-1",
    AffiliateId = "aff-1",
    UserAgent = new string('u', 120),
};
