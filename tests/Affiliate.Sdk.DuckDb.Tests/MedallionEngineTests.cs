using Affiliate.Sdk.Events;
using Affiliate.Sdk.Medallion;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Affiliate.Sdk.DuckDb.Tests;

public sealed class MedallionEngineTests
{
    private static void AssertGoldEqual(IReadOnlyDictionary<GoldKey, GoldMetrics> expected, IReadOnlyDictionary<GoldKey, GoldMetrics> actual)
    {
        foreach (var (key, metrics) in expected)
        {
            Assert.True(actual.TryGetValue(key, out var got), $"missing gold row {key}");
            Assert.Equal(metrics, got);
        }

        Assert.Equal(expected.Count, actual.Count);
    }

    private static void AssertMatchesReference(Workspace workspace, IEnumerable<TrackingEvent> events)
    {
        var list = events.ToList();
        var (conversions, hourly) = MedallionReference.Compute(list, AffiliateGenerators.Catalog, AffiliateGenerators.CreateMedallionOptions(), GoldGrain.Hour);
        var (_, daily) = MedallionReference.Compute(list, AffiliateGenerators.Catalog, AffiliateGenerators.CreateMedallionOptions(), GoldGrain.Day);

        AssertGoldEqual(hourly, EngineState.Gold(workspace.Options, GoldGrain.Hour));
        AssertGoldEqual(daily, EngineState.Gold(workspace.Options, GoldGrain.Day));
        Assert.Equal(conversions, EngineState.Conversions(workspace.Options));
    }

    [Property(MaxTest = 40)]
    public Property Gold_and_silver_conversions_equal_the_reference_model() =>
        Prop.ForAll(AffiliateGenerators.EventSet.ToArbitrary(), events =>
        {
            using var workspace = new Workspace();
            using var engine = workspace.CreateEngine(AffiliateGenerators.Catalog, AffiliateGenerators.CreateMedallionOptions());
            workspace.WriteBronzeAsync(events).GetAwaiter().GetResult();

            engine.RunAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();

            AssertMatchesReference(workspace, events);
        });

    [Property(MaxTest = 30)]
    public Property Gold_is_the_same_for_any_arrival_order_duplication_batch_split_and_rerun() =>
        Prop.ForAll(AffiliateGenerators.Delivery.ToArbitrary(), delivery =>
        {
            using var workspace = new Workspace();
            using var engine = workspace.CreateEngine(AffiliateGenerators.Catalog, AffiliateGenerators.CreateMedallionOptions());
            foreach (var batch in delivery.Batches)
            {
                workspace.WriteBronzeAsync(batch).GetAwaiter().GetResult();
                engine.RunAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
            }

            AssertMatchesReference(workspace, delivery.Events);

            var rerun = engine.RunAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
            Assert.Equal(0, rerun.BronzeFilesProcessed);
            Assert.Equal(0, rerun.GoldPartitionsWritten);
            AssertMatchesReference(workspace, delivery.Events);
        });

    [Property(MaxTest = 20)]
    public Property Gold_totals_equal_the_sums_over_silver() =>
        Prop.ForAll(AffiliateGenerators.EventSet.ToArbitrary(), events =>
        {
            using var workspace = new Workspace();
            using var engine = workspace.CreateEngine(AffiliateGenerators.Catalog, AffiliateGenerators.CreateMedallionOptions());
            workspace.WriteBronzeAsync(events).GetAwaiter().GetResult();
            engine.RunAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();

            foreach (var table in new[] { "gold_hourly", "gold_daily", "gold_hourly_affiliate_offer", "gold_daily_affiliate_offer" })
            {
                var gold = EngineState.Scalar(workspace.Options, $"""
                    SELECT concat_ws(',', coalesce(sum(impressions), 0), coalesce(sum(clicks), 0), coalesce(sum(bot_clicks), 0),
                        coalesce(sum(conversions), 0), coalesce(sum(pending_conversions), 0), coalesce(sum(rejected_conversions), 0),
                        CAST(coalesce(sum(revenue), 0) AS DECIMAL(38,6)), CAST(coalesce(sum(payout), 0) AS DECIMAL(38,6))) FROM {table}
                    """);
                var silver = EngineState.Scalar(workspace.Options, """
                    SELECT concat_ws(',',
                        (SELECT count(*) FROM silver_impressions),
                        (SELECT count(*) FILTER (WHERE NOT is_bot) FROM silver_clicks),
                        (SELECT count(*) FILTER (WHERE is_bot) FROM silver_clicks),
                        (SELECT count(*) FILTER (WHERE status = 'approved' AND click_event_id IS NOT NULL) FROM silver_conversions),
                        (SELECT count(*) FILTER (WHERE status = 'pending' AND click_event_id IS NOT NULL) FROM silver_conversions),
                        (SELECT count(*) FILTER (WHERE status = 'rejected' AND click_event_id IS NOT NULL) FROM silver_conversions),
                        (SELECT CAST(coalesce(sum(revenue) FILTER (WHERE status = 'approved' AND click_event_id IS NOT NULL), 0) AS DECIMAL(38,6)) FROM silver_conversions),
                        (SELECT CAST(coalesce(sum(payout) FILTER (WHERE status = 'approved' AND click_event_id IS NOT NULL), 0) AS DECIMAL(38,6)) FROM silver_conversions))
                    """);
                Assert.Equal(silver, gold);
            }
        });

    [Fact]
    public void The_generated_event_sets_reach_every_attribution_outcome()
    {
        var reasons = new HashSet<string?>();
        var withMoney = 0;
        foreach (var events in AffiliateGenerators.EventSet.Sample(200, 60))
        {
            var (conversions, _) = MedallionReference.Compute(events, AffiliateGenerators.Catalog, AffiliateGenerators.CreateMedallionOptions(), GoldGrain.Hour);
            reasons.UnionWith(conversions.Select(c => c.Reason));
            withMoney += conversions.Count(c => c.Revenue != 0m && c.Payout != 0m);
        }

        Assert.Superset(
            new HashSet<string?>
            {
                null, UnattributedReason.UnknownClick, UnattributedReason.UnknownOffer, UnattributedReason.BeforeClick,
                UnattributedReason.OutsideWindow, UnattributedReason.NoExchangeRate,
            },
            reasons);
        Assert.True(withMoney > 20, $"only {withMoney} conversions carried money");
    }

    [Fact]
    public async Task A_click_landing_after_its_conversion_attributes_the_conversion()
    {
        using var workspace = new Workspace();
        using var engine = workspace.CreateEngine(AffiliateGenerators.Catalog, AffiliateGenerators.CreateMedallionOptions());
        var at = AffiliateGenerators.Base;
        var click = new TrackingEvent
        {
            EventId = Guid.CreateVersion7(), Kind = EventKind.Click, OccurredAt = at, ReceivedAt = at, ClickId = "late",
            OfferId = "o1", AffiliateId = "a1", Sub1 = "s1",
        };
        var conversion = new TrackingEvent
        {
            EventId = Guid.CreateVersion7(), Kind = EventKind.Conversion, OccurredAt = at.AddHours(2), ReceivedAt = at.AddHours(2),
            ClickId = "late", TransactionId = "t", Status = ConversionStatus.Approved, AffiliateId = "forged",
        };

        await workspace.WriteBronzeAsync([conversion]);
        await engine.RunAsync(CancellationToken.None);
        Assert.Equal(UnattributedReason.UnknownClick, Assert.Single(EngineState.Conversions(workspace.Options)).Reason);

        await workspace.WriteBronzeAsync([click]);
        var run = await engine.RunAsync(CancellationToken.None);

        var attributed = Assert.Single(EngineState.Conversions(workspace.Options));
        Assert.Null(attributed.Reason);
        Assert.Equal(click.EventId, attributed.ClickEventId);
        Assert.Equal("a1", attributed.Key!.AffiliateId);
        Assert.Equal(10m, attributed.Revenue);
        Assert.Equal(3, run.GoldPartitionsWritten); // the click's hour, the conversion's hour and their day
        AssertMatchesReference(workspace, [conversion, click]);
    }

    [Fact]
    public async Task Malformed_rows_are_kept_as_rejects_and_the_rest_is_merged()
    {
        using var workspace = new Workspace();
        using var engine = workspace.CreateEngine(AffiliateGenerators.Catalog, AffiliateGenerators.CreateMedallionOptions());
        var at = AffiliateGenerators.Base;
        var good = Enumerable.Range(0, 3).Select(i => new TrackingEvent
        {
            EventId = Guid.CreateVersion7(), Kind = EventKind.Click, OccurredAt = at, ReceivedAt = at, ClickId = "c" + i, OfferId = "o1", AffiliateId = "a1",
        }).ToArray();
        await workspace.WriteBronzeAsync(good);
        var source = Directory.EnumerateFiles(workspace.Options.LakeRoot, "*.parquet", SearchOption.AllDirectories).Single();
        var bad = Path.Combine(Path.GetDirectoryName(source)!, "part-bad.parquet");
        EngineState.Scalar(workspace.Options, $"""
            COPY (SELECT * REPLACE (
                    CASE WHEN click_id = 'c0' THEN 'not-a-uuid' ELSE event_id END AS event_id,
                    CASE WHEN click_id = 'c1' THEN 'teleport' ELSE kind END AS kind)
                FROM read_parquet('{Quote(source)}'))
            TO '{Quote(bad)}' (FORMAT parquet)
            """);
        File.Delete(source);

        await engine.RunAsync(CancellationToken.None);

        Assert.Equal("invalid_event_id,invalid_kind", EngineState.Scalar(workspace.Options, "SELECT string_agg(reason, ',' ORDER BY reason) FROM medallion_rejects"));
        Assert.Equal(1L, EngineState.Scalar(workspace.Options, "SELECT CAST(sum(clicks) AS BIGINT) FROM gold_daily"));
    }

    private static string Quote(string path) => path.Replace("'", "''", StringComparison.Ordinal);
}

public sealed class CompactionAndCancellationTests
{
    private static string Quote(string path) => path.Replace("'", "''", StringComparison.Ordinal);

    private static string[] BronzeFiles(Workspace workspace) =>
        [.. Directory.EnumerateFiles(Path.Combine(workspace.Options.LakeRoot, "bronze"), "*.parquet", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];

    private static string Compact(Workspace workspace, string[] sources)
    {
        var target = Path.Combine(Path.GetDirectoryName(sources[0])!, "part-compacted.parquet");
        var keys = string.Join(",", sources.Select(s => Path.GetRelativePath(workspace.Options.LakeRoot, s).Replace('\\', '/')));
        var list = string.Join(", ", sources.Select(s => $"'{Quote(s)}'"));
        EngineState.Scalar(workspace.Options, $$"""
            COPY (SELECT * FROM read_parquet([{{list}}])) TO '{{Quote(target)}}'
            (FORMAT parquet, KV_METADATA {'affiliate.compacted_from': '{{Quote(keys)}}'})
            """);
        return target;
    }

    private static TrackingEvent[] Clicks(int count, int hour) => [.. Enumerable.Range(0, count).Select(i =>
    {
        var at = AffiliateGenerators.Base.AddHours(hour).AddMinutes(i);
        return new TrackingEvent
        {
            EventId = Guid.CreateVersion7(), Kind = EventKind.Click, OccurredAt = at, ReceivedAt = at, ClickId = $"c{hour}-{i}", OfferId = "o1", AffiliateId = "a1",
        };
    })];

    [Fact]
    public async Task A_compacted_file_whose_sources_were_merged_is_skipped_without_changing_gold()
    {
        using var workspace = new Workspace();
        using var engine = workspace.CreateEngine(AffiliateGenerators.Catalog, AffiliateGenerators.CreateMedallionOptions());
        var events = Clicks(3, 0).Concat(Clicks(2, 0)).ToArray();
        await workspace.WriteBronzeAsync(events[..3]);
        await workspace.WriteBronzeAsync(events[3..]);
        await engine.RunAsync(CancellationToken.None);
        var before = EngineState.Gold(workspace.Options, GoldGrain.Hour);
        var sources = BronzeFiles(workspace);
        Assert.Equal(2, sources.Length);

        Compact(workspace, sources);
        foreach (var source in sources)
        {
            File.Delete(source);
        }

        var run = await engine.RunAsync(CancellationToken.None);

        Assert.Equal(1, run.BronzeFilesProcessed);
        Assert.Equal(0, run.GoldPartitionsWritten);
        Assert.Equal(0L, EngineState.Scalar(workspace.Options, "SELECT count(*) FROM bronze_files WHERE path LIKE '%compacted%' AND row_count IS NOT NULL"));
        Assert.Equal(before, EngineState.Gold(workspace.Options, GoldGrain.Hour));
    }

    [Fact]
    public async Task A_compacted_file_seen_first_is_read_and_its_sources_are_not_read_again()
    {
        using var workspace = new Workspace();
        var events = Clicks(4, 1);
        await workspace.WriteBronzeAsync(events[..2]);
        await workspace.WriteBronzeAsync(events[2..]);
        var sources = BronzeFiles(workspace);
        var compacted = Compact(workspace, sources);
        var hidden = sources.Select(s => s + ".hidden").ToArray();
        for (var i = 0; i < sources.Length; i++)
        {
            File.Move(sources[i], hidden[i]);
        }

        using var engine = workspace.CreateEngine(AffiliateGenerators.Catalog, AffiliateGenerators.CreateMedallionOptions());
        await engine.RunAsync(CancellationToken.None);
        for (var i = 0; i < sources.Length; i++)
        {
            File.Move(hidden[i], sources[i]);
        }

        var second = await engine.RunAsync(CancellationToken.None);

        Assert.Equal(0, second.BronzeFilesProcessed);
        Assert.True(File.Exists(compacted));
        var (_, expected) = MedallionReference.Compute(events, AffiliateGenerators.Catalog, AffiliateGenerators.CreateMedallionOptions(), GoldGrain.Hour);
        Assert.Equal(expected, EngineState.Gold(workspace.Options, GoldGrain.Hour));
    }

    [Fact]
    public async Task A_failed_run_commits_nothing_and_the_next_run_retries_the_same_files()
    {
        using var workspace = new Workspace();
        using var engine = workspace.CreateEngine(AffiliateGenerators.Catalog, AffiliateGenerators.CreateMedallionOptions());
        var events = Clicks(3, 3);
        await workspace.WriteBronzeAsync(events);
        var good = BronzeFiles(workspace).Single();
        var broken = Path.Combine(Path.GetDirectoryName(good)!, "part-broken.parquet");
        await File.WriteAllTextAsync(broken, "not parquet");

        await Assert.ThrowsAnyAsync<Exception>(() => engine.RunAsync(CancellationToken.None).AsTask());
        Assert.Empty(EngineState.Gold(workspace.Options, GoldGrain.Hour));
        Assert.Equal(0L, EngineState.Scalar(workspace.Options, "SELECT count(*) FROM bronze_files"));

        File.Delete(broken);
        var run = await engine.RunAsync(CancellationToken.None);

        Assert.Equal(1, run.BronzeFilesProcessed);
        var (_, expected) = MedallionReference.Compute(events, AffiliateGenerators.Catalog, AffiliateGenerators.CreateMedallionOptions(), GoldGrain.Hour);
        Assert.Equal(expected, EngineState.Gold(workspace.Options, GoldGrain.Hour));
    }

    [Fact]
    public async Task A_cancelled_run_makes_nothing_visible_and_the_next_run_merges_everything()
    {
        using var workspace = new Workspace();
        using var engine = workspace.CreateEngine(AffiliateGenerators.Catalog, AffiliateGenerators.CreateMedallionOptions());
        var events = Clicks(5, 2);
        await workspace.WriteBronzeAsync(events);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => engine.RunAsync(cancelled.Token).AsTask());
        Assert.Empty(EngineState.Gold(workspace.Options, GoldGrain.Hour));

        var run = await engine.RunAsync(CancellationToken.None);

        Assert.Equal(1, run.BronzeFilesProcessed);
        var (_, expected) = MedallionReference.Compute(events, AffiliateGenerators.Catalog, AffiliateGenerators.CreateMedallionOptions(), GoldGrain.Hour);
        Assert.Equal(expected, EngineState.Gold(workspace.Options, GoldGrain.Hour));
    }
}
