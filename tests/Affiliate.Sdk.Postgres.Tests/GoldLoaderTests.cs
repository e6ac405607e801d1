using Affiliate.Sdk.Events;
using Affiliate.Sdk.Medallion;
using Affiliate.Sdk.Reports;
using FsCheck;
using FsCheck.Fluent;

namespace Affiliate.Sdk.Postgres.Tests;

[Collection(PostgresServerGroup.Name)]
public sealed class GoldLoaderTests(PostgresServer server)
{
    private static readonly DateTimeOffset Day = new(2026, 3, 5, 10, 0, 0, TimeSpan.Zero);

    private static TrackingEvent Click(DateTimeOffset at, string affiliate, string offer = "o1") => new()
    {
        EventId = Guid.CreateVersion7(), Kind = EventKind.Click, OccurredAt = at, ReceivedAt = at, ClickId = Guid.NewGuid().ToString("N"),
        OfferId = offer, AffiliateId = affiliate, IpHash = Guid.NewGuid().ToString("N"),
    };

    private static IEnumerable<TrackingEvent> Clicks(int days, int perDay, string affiliate) =>
        Enumerable.Range(0, days).SelectMany(d => Enumerable.Range(0, perDay).Select(i => Click(Day.AddDays(d).AddMinutes(i), affiliate)));

    private async Task<Dictionary<GoldKey, GoldMetrics>> LoadedGoldAsync(string schema, GoldGrain grain)
    {
        var table = grain == GoldGrain.Hour ? "gold_hourly" : "gold_daily";
        var period = grain == GoldGrain.Hour ? "hour" : "(day::timestamp AT TIME ZONE 'UTC')";
        await using var command = server.DataSource.CreateCommand(
            $"SELECT {period}, affiliate_id, offer_id, campaign_id, sub1, sub2, sub3, sub4, sub5, country, impressions, clicks, unique_clicks, bot_clicks, conversions, pending_conversions, rejected_conversions, revenue, payout FROM \"{schema}\".{table}");
        await using var reader = await command.ExecuteReaderAsync();
        var gold = new Dictionary<GoldKey, GoldMetrics>();
        string? S(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
        while (await reader.ReadAsync())
        {
            var key = new GoldKey(new DateTimeOffset(reader.GetDateTime(0), TimeSpan.Zero), S(1), S(2), S(3), S(4), S(5), S(6), S(7), S(8), S(9));
            Assert.True(gold.TryAdd(key, new GoldMetrics(
                reader.GetInt64(10), reader.GetInt64(11), reader.GetInt64(12), reader.GetInt64(13), reader.GetInt64(14), reader.GetInt64(15), reader.GetInt64(16),
                reader.GetDecimal(17), reader.GetDecimal(18))), $"two rows for {key}");
        }

        return gold;
    }

    [FsCheck.Xunit.Property(MaxTest = 15)]
    public Property Loaded_gold_equals_the_lake_gold_row_for_row() =>
        Prop.ForAll(AffiliateGenerators.Delivery.ToArbitrary(), delivery =>
        {
            using var lake = new Lake();
            var schema = PostgresServer.NewSchema();
            var loader = lake.CreateLoader(server, schema);
            foreach (var batch in delivery.Batches)
            {
                lake.AddAsync(batch).GetAwaiter().GetResult();
                loader.LoadChangedAsync(CancellationToken.None).GetAwaiter().GetResult();
                foreach (var grain in new[] { GoldGrain.Hour, GoldGrain.Day })
                {
                    var expected = Pg.LakeGold(lake.Store, grain);
                    var actual = LoadedGoldAsync(schema, grain).GetAwaiter().GetResult();
                    Assert.Equal(expected.Count, actual.Count);
                    foreach (var (key, metrics) in expected)
                    {
                        Assert.True(actual.TryGetValue(key, out var loaded), $"{grain} row {key} was not loaded");
                        Assert.Equal(metrics, loaded);
                    }
                }
            }
        });

    [Fact]
    public async Task A_rerun_with_nothing_changed_changes_nothing()
    {
        using var lake = new Lake();
        var schema = PostgresServer.NewSchema();
        await lake.AddAsync(Clicks(3, 5, "a1"));
        var loader = lake.CreateLoader(server, schema);

        var first = await loader.LoadChangedAsync(CancellationToken.None);
        var tables = new[] { "gold_hourly", "gold_daily", "gold_hourly_affiliate", "gold_daily_affiliate", "gold_hourly_offer", "gold_daily_offer", "gold_partitions", "load_state" };
        var before = new List<List<string>>();
        foreach (var table in tables)
        {
            before.Add(await Pg.SnapshotAsync(server, schema, table));
        }

        var second = await lake.CreateLoader(server, schema).LoadChangedAsync(CancellationToken.None);
        var after = new List<List<string>>();
        foreach (var table in tables)
        {
            after.Add(await Pg.SnapshotAsync(server, schema, table));
        }

        Assert.Equal(6, first.PartitionsLoaded); // 3 days × (hourly, daily)
        Assert.Equal(6L, first.RowsLoaded); // one hourly and one daily row per day
        Assert.Equal(new PostgresLoadResult(0, 0, 0, Deferred: false), second);
        for (var i = 0; i < tables.Length; i++)
        {
            Assert.Equal(before[i], after[i]);
        }
    }

    [Fact]
    public async Task Only_the_partitions_that_changed_are_replaced()
    {
        using var lake = new Lake();
        var schema = PostgresServer.NewSchema();
        await lake.AddAsync(Clicks(3, 2, "a1"));
        var loader = lake.CreateLoader(server, schema);
        await loader.LoadChangedAsync(CancellationToken.None);
        var untouched = await Pg.ScalarAsync(server, $"SELECT string_agg(loaded_at::text, ',' ORDER BY grain, dt) FROM \"{schema}\".gold_partitions WHERE dt <> '2026-03-06'");

        await lake.AddAsync([Click(Day.AddDays(1).AddHours(3), "a2")]);
        var result = await loader.LoadChangedAsync(CancellationToken.None);

        Assert.Equal(2, result.PartitionsLoaded);
        Assert.Equal(untouched, await Pg.ScalarAsync(server, $"SELECT string_agg(loaded_at::text, ',' ORDER BY grain, dt) FROM \"{schema}\".gold_partitions WHERE dt <> '2026-03-06'"));
        var report = await Pg.Client(server, schema).QueryAsync(
            new ReportQuery { From = new(2026, 3, 5), To = new(2026, 3, 7), Grain = ReportGrain.Day, Metrics = [ReportMetric.Clicks] },
            CancellationToken.None);
        Assert.Equal(["2026-03-05:2", "2026-03-06:3", "2026-03-07:2"], report.Rows.Select(r => $"{r.Period}:{r.Metrics[ReportMetric.Clicks]}"));
    }

    [Fact]
    public async Task A_concurrent_reader_sees_the_whole_old_load_or_the_whole_new_one()
    {
        // Two lakes with different gold on the same five days; loads alternate between them while readers sum every table.
        using var small = new Lake();
        using var large = new Lake();
        await small.AddAsync(Clicks(5, 1, "a1"));
        await large.AddAsync(Clicks(5, 3, "a1"));
        var schema = PostgresServer.NewSchema();
        var fromSmall = small.CreateLoader(server, schema);
        var fromLarge = large.CreateLoader(server, schema);
        await fromSmall.LoadChangedAsync(CancellationToken.None);

        const string Totals = """
            SELECT (SELECT coalesce(sum(clicks), 0) FROM {0}.gold_hourly) || '/' || (SELECT coalesce(sum(clicks), 0) FROM {0}.gold_daily)
                || '/' || (SELECT coalesce(sum(clicks), 0) FROM {0}.gold_daily_affiliate) || '/' || (SELECT coalesce(sum(clicks), 0) FROM {0}.gold_hourly_affiliate)
                || '/' || (SELECT coalesce(sum(clicks), 0) FROM {0}.gold_daily_offer) || '/' || (SELECT coalesce(sum(clicks), 0) FROM {0}.gold_hourly_offer)
            """;
        var sql = string.Format(System.Globalization.CultureInfo.InvariantCulture, Totals, "\"" + schema + "\"");
        var seen = new System.Collections.Concurrent.ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();
        var readers = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            var reads = 0;
            while (!stop.IsCancellationRequested || reads < 20)
            {
                seen.Add((string)(await Pg.ScalarAsync(server, sql))!);
                reads++;
            }
        })).ToArray();

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(10, (await fromLarge.LoadChangedAsync(CancellationToken.None)).PartitionsLoaded);
            Assert.Equal(10, (await fromSmall.LoadChangedAsync(CancellationToken.None)).PartitionsLoaded);
        }

        await stop.CancelAsync();
        await Task.WhenAll(readers);

        Assert.Subset(new HashSet<string> { "5/5/5/5/5/5", "15/15/15/15/15/15" }, seen.ToHashSet());
        Assert.True(seen.Count >= 60);
    }

    [Fact]
    public async Task Two_loaders_at_once_load_each_change_once()
    {
        using var lake = new Lake();
        await lake.AddAsync(Clicks(4, 2, "a1"));
        var schema = PostgresServer.NewSchema();

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => lake.CreateLoader(server, schema).LoadChangedAsync(CancellationToken.None))));

        Assert.Equal(8, results.Sum(r => r.PartitionsLoaded));
        Assert.Equal(8L, await Pg.ScalarAsync(server, $"SELECT sum(clicks)::bigint FROM \"{schema}\".gold_daily"));
    }

    [Fact]
    public async Task Freshness_is_the_engine_s_newest_event()
    {
        using var lake = new Lake();
        await lake.AddAsync([Click(Day, "a1"), Click(Day.AddHours(5), "a2")]);
        var schema = PostgresServer.NewSchema();
        await lake.CreateLoader(server, schema).LoadChangedAsync(CancellationToken.None);

        var result = await Pg.Client(server, schema).QueryAsync(new ReportQuery { From = new(2026, 3, 5), To = new(2026, 3, 5) }, CancellationToken.None);

        Assert.Equal(Day.AddHours(5), result.Freshness);
    }

    private static async Task PutAsync(Affiliate.Sdk.Pipeline.IBlobStore store, string key, byte[] content)
    {
        await using var upload = await store.StartUploadAsync(key, CancellationToken.None);
        await upload.Content.WriteAsync(content);
        await upload.CommitAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_failed_load_leaves_the_previous_load_whole()
    {
        using var lake = new Lake();
        await lake.AddAsync(Clicks(2, 3, "a1"));
        var schema = PostgresServer.NewSchema();
        var loader = lake.CreateLoader(server, schema);
        await loader.LoadChangedAsync(CancellationToken.None);
        var before = await Pg.SnapshotAsync(server, schema, "gold_daily");

        // A newer file of the second day that is not Parquet: the load fails after the first day was staged.
        await PutAsync(lake.Store, "gold/daily/dt=2026-03-06/part-99991231T000000000-ffffffff.parquet", "not parquet"u8.ToArray());
        await Assert.ThrowsAnyAsync<Exception>(() => loader.LoadChangedAsync(CancellationToken.None));

        Assert.Equal(before, await Pg.SnapshotAsync(server, schema, "gold_daily"));
        await lake.Store.DeleteAsync("gold/daily/dt=2026-03-06/part-99991231T000000000-ffffffff.parquet", CancellationToken.None);
        Assert.Equal(new PostgresLoadResult(0, 0, 0, Deferred: false), await loader.LoadChangedAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_date_gone_from_the_lake_is_removed()
    {
        using var lake = new Lake();
        await lake.AddAsync(Clicks(2, 3, "a1"));
        var schema = PostgresServer.NewSchema();
        var loader = lake.CreateLoader(server, schema);
        await loader.LoadChangedAsync(CancellationToken.None);

        foreach (var prefix in new[] { "gold/daily/dt=2026-03-05/", "gold/hourly/dt=2026-03-05/" })
        {
            await foreach (var item in lake.Store.ListAsync(prefix, CancellationToken.None))
            {
                await lake.Store.DeleteAsync(item.Key, CancellationToken.None);
            }
        }

        var result = await loader.LoadChangedAsync(CancellationToken.None);

        Assert.Equal(2, result.PartitionsRemoved);
        Assert.Equal(3L, await Pg.ScalarAsync(server, $"SELECT sum(clicks)::bigint FROM \"{schema}\".gold_hourly"));
        Assert.Equal(3L, await Pg.ScalarAsync(server, $"SELECT sum(clicks)::bigint FROM \"{schema}\".gold_daily_affiliate"));
        Assert.Equal(1L, await Pg.ScalarAsync(server, $"SELECT count(*) FROM \"{schema}\".gold_partitions WHERE grain = 'day'"));
    }

    [Fact]
    public async Task A_load_waits_while_the_engine_is_writing_gold()
    {
        using var lake = new Lake();
        await lake.AddAsync(Clicks(1, 3, "a1"));
        var schema = PostgresServer.NewSchema();
        var loader = lake.CreateLoader(server, schema);
        await PutAsync(lake.Store, "_state/medallion/pending.json", "{}"u8.ToArray());

        var deferred = await loader.LoadChangedAsync(CancellationToken.None);
        await lake.Store.DeleteAsync("_state/medallion/pending.json", CancellationToken.None);
        var loaded = await loader.LoadChangedAsync(CancellationToken.None);

        Assert.True(deferred.Deferred);
        Assert.Equal(0, deferred.PartitionsLoaded);
        Assert.Equal(2, loaded.PartitionsLoaded);
    }
}
