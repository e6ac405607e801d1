using Affiliate.Sdk.Json;

namespace Affiliate.Sdk.Kinesis.Tests;

[Collection(KinesisLocalGroup.Name)]
public sealed class PublishReadTests(KinesisLocal server)
{
    [KinesisTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Every_published_event_is_read_back_exactly_once(bool aggregation)
    {
        var stream = await server.CreateStreamAsync(3);
        using var dir = new TempDirectory();
        var events = TestEvents.Mixed(1500);
        await using (var publisher = new KinesisEventPublisher(server.CreateClient(stream), server.Options(stream, o => o.Aggregation = aggregation)))
        {
            await publisher.PublishBatchAsync(events.Take(1000).ToList(), CancellationToken.None);
            await Task.WhenAll(events.Skip(1000).Select(e => publisher.PublishAsync(e, CancellationToken.None).AsTask()));
            Assert.Equal(1500, publisher.Events);
            if (aggregation)
            {
                Assert.True(publisher.Records < 100, $"{publisher.Records} records for 1500 small events: aggregation did not pack them");
            }
            else
            {
                Assert.Equal(1500, publisher.Records);
            }
        }

        await using var source = Harness.Source(server, stream, dir.Path, "w1");
        var seen = await Harness.DrainAsync(source, ids => ids.Count >= events.Count);

        Assert.Equal(events.Select(e => e.EventId).Order(), seen.Select(s => s.EventId).Order());
        Assert.Equal(seen.Count, seen.Select(s => (s.Record.Partition, s.Record.Position)).Distinct().Count());
        var bodies = events.ToDictionary(e => e.EventId);
        Assert.All(seen, s => Assert.Equal(bodies[s.EventId], TrackingEventSerializer.Deserialize(s.Record.Payload.Span)));
    }

    [KinesisFact]
    public async Task Events_of_one_click_keep_their_order_in_one_shard()
    {
        var stream = await server.CreateStreamAsync(2);
        using var dir = new TempDirectory();
        var events = Enumerable.Range(0, 200).Select(i => i % 2 == 0 ? TestEvents.Click(i / 2) : TestEvents.Conversion(i / 2)).ToList();
        await using (var publisher = new KinesisEventPublisher(server.CreateClient(stream), server.Options(stream, o => o.PreserveOrderPerPartitionKey = true)))
        {
            foreach (var chunk in events.Chunk(37))
            {
                await publisher.PublishBatchAsync(chunk, CancellationToken.None);
            }
        }

        await using var source = Harness.Source(server, stream, dir.Path, "w1");
        var seen = await Harness.DrainAsync(source, ids => ids.Count >= events.Count);

        var byClick = seen.Select(s => TrackingEventSerializer.Deserialize(s.Record.Payload.Span)).GroupBy(e => e.ClickId);
        foreach (var group in byClick)
        {
            Assert.Equal(group.Select(e => e.Kind), group.OrderBy(e => events.FindIndex(x => x.EventId == e.EventId)).Select(e => e.Kind));
        }
    }

    [KinesisFact]
    public async Task Restarted_reader_resumes_after_the_last_commit_inside_an_aggregate()
    {
        var stream = await server.CreateStreamAsync(1);
        using var dir = new TempDirectory();
        var events = TestEvents.Mixed(300);
        await using (var publisher = new KinesisEventPublisher(server.CreateClient(stream), server.Options(stream)))
        {
            await publisher.PublishBatchAsync(events, CancellationToken.None);
            Assert.True(publisher.Records < 10);
        }

        List<Guid> first;
        await using (var source = Harness.Source(server, stream, dir.Path, "w1"))
        {
            // 120 records: the commit lands in the middle of an aggregate.
            var batch = await source.ReadAsync(120, TimeSpan.FromSeconds(10), CancellationToken.None);
            while (batch.Records.Count == 0)
            {
                batch = await source.ReadAsync(120, TimeSpan.FromSeconds(10), CancellationToken.None);
            }

            Assert.Contains(batch.Checkpoint.Positions.Values, v => v.EndsWith('+'));
            await source.CommitAsync(batch.Checkpoint, CancellationToken.None);
            first = batch.Records.Select(r => TrackingEventSerializer.Deserialize(r.Payload.Span).EventId).ToList();

            // Read more without committing: these must come again after the restart.
            await source.ReadAsync(50, TimeSpan.FromSeconds(2), CancellationToken.None);
        }

        await using var again = Harness.Source(server, stream, dir.Path, "w2");
        var rest = await Harness.DrainAsync(again, ids => ids.Count >= events.Count - first.Count);

        Assert.Empty(first.Intersect(rest.Select(r => r.EventId)));
        Assert.Equal(events.Select(e => e.EventId).Order(), first.Concat(rest.Select(r => r.EventId)).Order());
    }
}
