using Affiliate.Sdk.Events;
using Affiliate.Sdk.Lake.Parquet.Medallion;
using Affiliate.Sdk.Medallion;
using Affiliate.Sdk.Pipeline;
using FsCheck;
using FsCheck.Xunit;

namespace Affiliate.Sdk.Lake.Parquet.Tests.Medallion;

public sealed class InProcessMedallionEngineTests
{
    private static readonly DateTimeOffset T0 = MedallionGenerators.T0;

    // Ordered by every key field, null apart from empty (a record's ToString shows both alike).
    private static List<KeyValuePair<GoldKey, GoldMetrics>> Sorted(IReadOnlyDictionary<GoldKey, GoldMetrics> gold) =>
        [.. gold.OrderBy(p => p.Key.Period).ThenBy(p => SortText(p.Key), StringComparer.Ordinal)];

    private static string SortText(GoldKey k) =>
        string.Join("\u0000", new[] { k.AffiliateId, k.OfferId, k.CampaignId, k.Sub1, k.Sub2, k.Sub3, k.Sub4, k.Sub5, k.Country }.Select(s => s is null ? "\u0001null" : "=" + s));

    private static async Task AssertMatchesReference(MedallionLake lake, IReadOnlyList<TrackingEvent> events)
    {
        foreach (var grain in new[] { GoldGrain.Hour, GoldGrain.Day })
        {
            var (conversions, gold) = MedallionReference.Compute(events, lake.Catalog, lake.Options, grain);
            Assert.Equal(Sorted(gold), Sorted(await lake.GoldAsync(grain)));
            Assert.Equal(conversions, await lake.SilverConversionsAsync(grain));
        }
    }

    private static TrackingEvent Click(string clickId, DateTimeOffset at, string offer = "o1", string? sub1 = null, string? ip = "ip") => new()
    {
        EventId = Guid.CreateVersion7(at),
        Kind = EventKind.Click,
        OccurredAt = at,
        ReceivedAt = at,
        ClickId = clickId,
        OfferId = offer,
        AffiliateId = "a1",
        Sub1 = sub1,
        IpHash = ip,
    };

    private static TrackingEvent Conversion(string clickId, DateTimeOffset at, string? txn = null, ConversionStatus status = ConversionStatus.Approved) => new()
    {
        EventId = Guid.CreateVersion7(at),
        Kind = EventKind.Conversion,
        OccurredAt = at,
        ReceivedAt = at,
        ClickId = clickId,
        TransactionId = txn,
        Status = status,
    };

    [Property(Arbitrary = [typeof(MedallionArbitraries)], MaxTest = 40)]
    public void Gold_and_silver_conversions_equal_the_reference_after_every_run_for_any_split(MedallionScenario scenario)
    {
        RunScenario(scenario).GetAwaiter().GetResult();
    }

    private static async Task RunScenario(MedallionScenario scenario)
    {
        using var lake = new MedallionLake();
        var engine = lake.Engine();
        var seen = new List<TrackingEvent>();
        foreach (var batch in MedallionGenerators.Batches(scenario))
        {
            await lake.WriteBronzeAsync(batch, scenario.FlushesPerRun);
            seen.AddRange(batch);
            await engine.RunAsync(default);
            await AssertMatchesReference(lake, seen);
        }

        // Re-running with nothing new changes nothing.
        var before = await lake.SnapshotAsync();
        var again = await engine.RunAsync(default);
        Assert.Equal(0, again.BronzeFilesProcessed);
        Assert.Equal(0, again.GoldPartitionsWritten);
        Assert.Equal(before, await lake.SnapshotAsync());
    }

    [Property(Arbitrary = [typeof(MedallionArbitraries)], MaxTest = 25)]
    public void Gold_totals_equal_the_sums_over_silver(MedallionScenario scenario)
    {
        Totals(scenario).GetAwaiter().GetResult();
    }

    private static async Task Totals(MedallionScenario scenario)
    {
        using var lake = new MedallionLake();
        await lake.WriteBronzeAsync(scenario.Events, scenario.FlushesPerRun);
        await lake.Engine().RunAsync(default);

        var clicks = new List<TrackingEvent>();
        var impressions = 0L;
        await foreach (var item in lake.Store.ListAsync("silver/", default))
        {
            if (item.Key.StartsWith("silver/conversions/", StringComparison.Ordinal))
            {
                continue;
            }

            await using var stream = (await lake.Store.OpenReadAsync(item.Key, default))!;
            await foreach (var group in BronzeParquet.ReadEventsAsync(stream, default))
            {
                clicks.AddRange(group.Where(r => r.Event.Kind == EventKind.Click).Select(r => r.Event));
                impressions += group.Count(r => r.Event.Kind == EventKind.Impression);
            }
        }

        var silverConversions = await lake.SilverConversionsAsync(GoldGrain.Day);
        var attributed = silverConversions.Where(c => c.Key is not null).ToList();
        foreach (var grain in new[] { GoldGrain.Hour, GoldGrain.Day })
        {
            var total = (await lake.GoldAsync(grain)).Values.Aggregate(GoldMetrics.Zero, (a, b) => a.Add(b));
            Assert.Equal(impressions, total.Impressions);
            Assert.Equal(clicks.Count(c => !c.IsBot), total.Clicks);
            Assert.Equal(clicks.Count(c => c.IsBot), total.BotClicks);
            Assert.Equal(attributed.Count(c => c.Status == ConversionStatus.Approved), total.Conversions);
            Assert.Equal(attributed.Count(c => c.Status == ConversionStatus.Pending), total.PendingConversions);
            Assert.Equal(attributed.Count(c => c.Status == ConversionStatus.Rejected), total.RejectedConversions);
            Assert.Equal(attributed.Where(c => c.Status == ConversionStatus.Approved).Sum(c => c.Revenue), total.Revenue);
            Assert.Equal(attributed.Where(c => c.Status == ConversionStatus.Approved).Sum(c => c.Payout), total.Payout);
        }

        Assert.Equal(clicks.Count, clicks.Select(c => c.EventId).Distinct().Count());
    }

    [Property(Arbitrary = [typeof(MedallionArbitraries)], MaxTest = 25)]
    public void A_run_interrupted_at_any_write_is_finished_by_the_next_run(MedallionScenario scenario, PositiveInt failAt, bool afterCommit)
    {
        Interrupted(scenario, failAt.Get % 12 + 1, afterCommit).GetAwaiter().GetResult();
    }

    private static async Task Interrupted(MedallionScenario scenario, int failAt, bool afterCommit)
    {
        using var lake = new MedallionLake();
        var batches = MedallionGenerators.Batches(scenario).ToList();
        var seen = new List<TrackingEvent>();

        // Everything but the last batch lands normally; the last run is interrupted, then re-run.
        for (var i = 0; i < batches.Count - 1; i++)
        {
            await lake.WriteBronzeAsync(batches[i], scenario.FlushesPerRun);
            seen.AddRange(batches[i]);
            await lake.Engine().RunAsync(default);
        }

        await lake.WriteBronzeAsync(batches[^1], scenario.FlushesPerRun);
        seen.AddRange(batches[^1]);
        var failing = new FailingStore(lake.Store, failAt, afterCommit);
        try
        {
            await lake.Engine(failing).RunAsync(default);
        }
        catch (OperationCanceledException) when (failing.Failed)
        {
        }

        await lake.Engine().RunAsync(default);
        await AssertMatchesReference(lake, seen);
    }

    [Fact]
    public async Task A_conversion_only_run_interrupted_at_any_commit_is_finished_by_the_next_run()
    {
        for (var failAt = 1; failAt <= 12; failAt++)
        {
            foreach (var afterCommit in new[] { false, true })
            {
                using var lake = new MedallionLake();
                TrackingEvent[] clicks = [Click("k1", T0), Click("k2", T0.AddHours(1), sub1: "s")];
                await lake.WriteBronzeAsync(clicks);
                await lake.Engine().RunAsync(default);

                // Conversions on the next day: no traffic there, so only the pending note names that gold date.
                TrackingEvent[] conversions = [Conversion("k1", T0.AddDays(1)), Conversion("k2", T0.AddDays(1).AddHours(2), status: ConversionStatus.Pending)];
                await lake.WriteBronzeAsync(conversions);
                var failing = new FailingStore(lake.Store, failAt, afterCommit);
                try
                {
                    await lake.Engine(failing).RunAsync(default);
                }
                catch (OperationCanceledException) when (failing.Failed)
                {
                }

                await lake.Engine().RunAsync(default);
                await AssertMatchesReference(lake, [.. clicks, .. conversions]);
            }
        }
    }

    [Fact]
    public async Task Cancellation_token_stops_a_run_and_the_next_run_is_correct()
    {
        using var lake = new MedallionLake();
        TrackingEvent[] events = [Click("k1", T0), Conversion("k1", T0.AddHours(1)), Click("k2", T0.AddDays(1))];
        await lake.WriteBronzeAsync(events);
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await lake.Engine().RunAsync(cts.Token));

        Assert.Empty(await lake.SnapshotAsync("gold/"));
        await lake.Engine().RunAsync(default);
        await AssertMatchesReference(lake, events);
    }

    [Fact]
    public async Task A_conversion_landing_before_its_click_is_attributed_when_the_click_arrives()
    {
        using var lake = new MedallionLake();
        var engine = lake.Engine();
        var click = Click("k1", T0, sub1: "s1");
        var conversion = Conversion("k1", T0.AddDays(2), txn: "t1");
        await lake.WriteBronzeAsync([conversion]);
        await engine.RunAsync(default);
        Assert.Equal(UnattributedReason.UnknownClick, Assert.Single(await lake.SilverConversionsAsync(GoldGrain.Day)).Reason);

        await lake.WriteBronzeAsync([click]);
        var result = await engine.RunAsync(default);

        var silver = Assert.Single(await lake.SilverConversionsAsync(GoldGrain.Day));
        Assert.Null(silver.Reason);
        Assert.Equal(click.EventId, silver.ClickEventId);
        Assert.Equal(10m, silver.Revenue);
        Assert.Equal(4, result.GoldPartitionsWritten); // the click's date and the conversion's date, hourly and daily
        Assert.Equal(conversion.OccurredAt, result.Freshness);
        await AssertMatchesReference(lake, [click, conversion]);
    }

    [Fact]
    public async Task A_new_conversion_finds_its_click_in_older_silver()
    {
        using var lake = new MedallionLake();
        var engine = lake.Engine();
        TrackingEvent[] clicks = [Click("k1", T0), Click("k2", T0.AddDays(1), offer: "o2")];
        await lake.WriteBronzeAsync(clicks);
        await engine.RunAsync(default);

        TrackingEvent[] conversions = [Conversion("k1", T0.AddHours(3)), Conversion("k2", T0.AddDays(3)), Conversion("k1", T0.AddMinutes(-1))];
        await lake.WriteBronzeAsync(conversions);
        await engine.RunAsync(default);

        var reasons = (await lake.SilverConversionsAsync(GoldGrain.Day)).Select(c => c.Reason).Order().ToList();
        Assert.Equal([null, UnattributedReason.BeforeClick, UnattributedReason.OutsideWindow], reasons);
        await AssertMatchesReference(lake, [.. clicks, .. conversions]);
    }

    [Fact]
    public async Task A_click_redelivered_a_day_later_with_another_occurred_at_counts_once_in_its_earliest_day()
    {
        using var lake = new MedallionLake();
        var engine = lake.Engine();
        var original = Click("k1", T0.AddHours(11)); // 23:00 UTC
        var conversion = Conversion("k1", T0.AddDays(2));
        await lake.WriteBronzeAsync([original, conversion]);
        await engine.RunAsync(default);

        // The same event id, re-sent with a later clock: another UTC date, another silver partition, another run.
        var retried = original with { OccurredAt = T0.AddHours(14), ReceivedAt = T0.AddHours(14) }; // 02:00 the next day
        await lake.WriteBronzeAsync([retried]);
        await engine.RunAsync(default);
        await AssertMatchesReference(lake, [original, retried, conversion]);

        var daily = await lake.GoldAsync(GoldGrain.Day);
        Assert.Equal(1, daily.Values.Sum(m => m.Clicks));
        Assert.Equal(MedallionReference.PeriodOf(original.OccurredAt, GoldGrain.Day), daily.Single(p => p.Value.Clicks == 1).Key.Period);
    }

    [Fact]
    public async Task An_earlier_copy_arriving_later_replaces_the_survivor_in_another_day_and_rewrites_both_gold_dates()
    {
        using var lake = new MedallionLake();
        var engine = lake.Engine();
        var late = Click("k1", T0.AddDays(1).AddHours(1));
        var conversion = Conversion("k1", T0.AddDays(1).AddHours(5));
        await lake.WriteBronzeAsync([late, conversion]);
        await engine.RunAsync(default);

        var early = late with { OccurredAt = T0.AddHours(6), ReceivedAt = T0.AddDays(2), Sub1 = "from-the-earlier-copy" };
        await lake.WriteBronzeAsync([early]);
        var result = await engine.RunAsync(default);

        Assert.Equal(4, result.GoldPartitionsWritten);
        await AssertMatchesReference(lake, [late, conversion, early]);
        var attributed = (await lake.GoldAsync(GoldGrain.Day)).Single(p => p.Value.Conversions == 1).Key;
        Assert.Equal("from-the-earlier-copy", attributed.Sub1);
    }

    [Fact]
    public async Task Copies_further_apart_than_the_dedup_horizon_are_not_matched()
    {
        using var lake = new MedallionLake();
        var engine = lake.Engine(options: new InProcessMedallionOptions { RowGroupRows = 5, DedupHorizon = TimeSpan.FromDays(2) });
        var original = Click("k1", T0);
        await lake.WriteBronzeAsync([original, Click("k2", T0.AddDays(5))]);
        await engine.RunAsync(default);

        await lake.WriteBronzeAsync([original with { OccurredAt = T0.AddDays(4), ReceivedAt = T0.AddDays(4) }]);
        await engine.RunAsync(default);

        // Documented limit: the copy four days later is beyond the horizon, so both copies stay.
        Assert.Equal(3, (await lake.GoldAsync(GoldGrain.Day)).Values.Sum(m => m.Clicks));
        Assert.DoesNotContain((await lake.SnapshotAsync("_state/")).Keys, k => k.Contains($"dt={T0:yyyy-MM-dd}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Only_touched_gold_partitions_are_rewritten()
    {
        using var lake = new MedallionLake();
        var engine = lake.Engine();
        await lake.WriteBronzeAsync([Click("k1", T0), Click("k2", T0.AddDays(1)), Click("k3", T0.AddDays(2))]);
        await engine.RunAsync(default);
        var before = await lake.SnapshotAsync("gold/");

        await lake.WriteBronzeAsync([Click("k4", T0.AddDays(1).AddHours(1))]);
        var result = await engine.RunAsync(default);

        var after = await lake.SnapshotAsync("gold/");
        Assert.Equal(2, result.GoldPartitionsWritten);
        Assert.Equal(1, result.BronzeFilesProcessed);
        var day = $"dt={T0.AddDays(1):yyyy-MM-dd}/";
        Assert.Equal(before.Where(p => !p.Key.Contains(day, StringComparison.Ordinal)), after.Where(p => !p.Key.Contains(day, StringComparison.Ordinal)));
        Assert.All(after.Keys.Where(k => k.Contains(day, StringComparison.Ordinal)), k => Assert.DoesNotContain(k, before.Keys));
        Assert.Equal(2, after.Keys.Count(k => k.Contains(day, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_compacted_file_of_processed_files_is_skipped_and_one_with_new_sources_is_read()
    {
        using var lake = new MedallionLake();
        var engine = lake.Engine();
        var first = Click("k1", T0);
        var files = await lake.WriteBronzeAsync([first, Click("k2", T0.AddMinutes(1))], flushes: 2);
        await engine.RunAsync(default);
        var gold = await lake.SnapshotAsync("gold/");

        // Compaction merges both processed files into one and deletes them.
        await Compact(lake.Store, files, files[0].Replace("part-", "part-zz-compacted-", StringComparison.Ordinal));
        var result = await engine.RunAsync(default);
        Assert.Equal(1, result.BronzeFilesProcessed);
        Assert.Equal(0, result.GoldPartitionsWritten);
        Assert.Equal(gold, await lake.SnapshotAsync("gold/"));

        // A compaction that includes a file never processed is read (its other rows deduplicate).
        var late = await lake.WriteBronzeAsync([Click("k3", T0.AddMinutes(2))]);
        var compacted = (await lake.SnapshotAsync("bronze/")).Keys.Where(k => k.Contains("compacted", StringComparison.Ordinal)).ToList();
        await Compact(lake.Store, [.. compacted, .. late], files[0].Replace("part-", "part-zz-compacted2-", StringComparison.Ordinal));
        result = await engine.RunAsync(default);
        Assert.Equal(1, result.BronzeFilesProcessed);
        Assert.Equal(3, (await lake.GoldAsync(GoldGrain.Day)).Values.Sum(m => m.Clicks));
    }

    private static async Task Compact(IBlobStore store, IReadOnlyList<string> sources, string target)
    {
        var rows = new List<BronzeRecord>();
        foreach (var key in sources)
        {
            await foreach (var row in new BronzeReader(store).ReadEventFileAsync(key, default))
            {
                rows.Add(row);
            }
        }

        await using (var upload = await store.StartUploadAsync(target, default))
        {
            await BronzeParquet.WriteEventsAsync(upload.Content, rows, 0, rows.Count, 100, new Dictionary<string, string> { [BronzeSchema.CompactedFromKey] = string.Join(",", sources) }, default);
            await upload.CommitAsync(default);
        }

        foreach (var key in sources)
        {
            await store.DeleteAsync(key, default);
        }
    }

    [Fact]
    public async Task Rows_in_a_file_of_another_partition_are_merged_into_their_own()
    {
        using var lake = new MedallionLake();
        var click = Click("k1", T0);
        var otherDay = Click("k2", T0.AddDays(1), sub1: "other-day");
        var conversion = Conversion("k1", T0.AddHours(1));
        var impression = new TrackingEvent { EventId = Guid.CreateVersion7(), Kind = EventKind.Impression, OccurredAt = T0, ReceivedAt = T0, OfferId = "o1", AffiliateId = "a1" };
        TrackingEvent[] events = [click, otherDay, conversion, impression];
        await lake.WriteBronzeAsync([click]);

        // A file written by another tool into the click partition of T0's date, holding rows of other partitions.
        var key = $"bronze/events/kind=click/dt={T0:yyyy-MM-dd}/hour=12/part-other-tool.parquet";
        var rows = events.Select(e => new BronzeRecord(e, new IngestionInfo("other", "0", "0", T0))).ToList();
        await using (var upload = await lake.Store.StartUploadAsync(key, default))
        {
            await BronzeParquet.WriteEventsAsync(upload.Content, rows, 0, rows.Count, 100, null, default);
            await upload.CommitAsync(default);
        }

        await lake.Engine().RunAsync(default);

        await AssertMatchesReference(lake, events);
        Assert.Contains($"silver/clicks/dt={T0.AddDays(1):yyyy-MM-dd}/", string.Join(" ", (await lake.SnapshotAsync("silver/")).Keys), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rerunning_with_nothing_new_writes_nothing()
    {
        using var lake = new MedallionLake();
        var engine = lake.Engine();
        await lake.WriteBronzeAsync([Click("k1", T0), Conversion("k1", T0.AddHours(1))]);
        var first = await engine.RunAsync(default);
        var before = await lake.SnapshotAsync();

        var second = await lake.Engine().RunAsync(default);

        Assert.Equal(2, first.BronzeFilesProcessed);
        Assert.Equal(new MedallionRunResult(0, 0, first.Freshness, second.Elapsed), second);
        Assert.Equal(before, await lake.SnapshotAsync());
    }

    [Fact]
    public async Task Gold_files_follow_the_contract_layout()
    {
        using var lake = new MedallionLake();
        await lake.WriteBronzeAsync([Click("k1", T0), Conversion("k1", T0.AddHours(1))]);
        await lake.Engine().RunAsync(default);

        var keys = (await lake.SnapshotAsync()).Keys.ToList();
        Assert.Contains(keys, k => k.StartsWith($"gold/hourly/dt={T0:yyyy-MM-dd}/part-", StringComparison.Ordinal) && k.EndsWith(".parquet", StringComparison.Ordinal));
        Assert.Contains(keys, k => k.StartsWith($"gold/daily/dt={T0:yyyy-MM-dd}/part-", StringComparison.Ordinal));
        Assert.Contains(keys, k => k.StartsWith($"silver/clicks/dt={T0:yyyy-MM-dd}/part-", StringComparison.Ordinal));
        Assert.Contains(keys, k => k.StartsWith($"silver/conversions/dt={T0:yyyy-MM-dd}/part-", StringComparison.Ordinal));
        Assert.Contains("_state/medallion/manifest.json", keys);
        Assert.DoesNotContain("_state/medallion/pending.json", keys);
    }

    [Fact]
    public void Invalid_options_are_refused_naming_the_setting()
    {
        using var lake = new MedallionLake();

        var ex = Assert.Throws<ArgumentException>(() => lake.Engine(options: new InProcessMedallionOptions { StatePrefix = "gold/x/", RowGroupRows = 0, DedupHorizon = TimeSpan.Zero }));

        Assert.Contains("AffiliateSdk:InProcessMedallion:StatePrefix", ex.Message, StringComparison.Ordinal);
        Assert.Contains("AffiliateSdk:InProcessMedallion:RowGroupRows", ex.Message, StringComparison.Ordinal);
        Assert.Contains("AffiliateSdk:InProcessMedallion:DedupHorizon", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_corrupt_bronze_file_fails_the_run_naming_the_file()
    {
        using var lake = new MedallionLake();
        const string key = "bronze/events/kind=click/dt=2026-11-21/hour=12/part-20261121T120000000-00000000.parquet";
        await using (var upload = await lake.Store.StartUploadAsync(key, default))
        {
            await upload.Content.WriteAsync("not parquet at all"u8.ToArray());
            await upload.CommitAsync(default);
        }

        var ex = await Assert.ThrowsAsync<AffiliateSdkException>(async () => await lake.Engine().RunAsync(default));

        Assert.Contains(key, ex.Message, StringComparison.Ordinal);
        Assert.Empty(await lake.SnapshotAsync("gold/"));
    }
}
