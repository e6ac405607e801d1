using Affiliate.Sdk.Postgres.Internal;

namespace Affiliate.Sdk.Postgres.Tests;

[Collection(PostgresServerGroup.Name)]
public sealed class MigrationTests(PostgresServer server)
{
    [Fact]
    public async Task Migrations_apply_once_and_a_rerun_applies_nothing()
    {
        var schema = PostgresServer.NewSchema();

        var first = await PostgresMigrations.MigrateAsync(server.DataSource, schema, CancellationToken.None);
        var second = await PostgresMigrations.MigrateAsync(server.DataSource, schema, CancellationToken.None);

        Assert.Equal(PostgresMigrations.All.Select(m => m.Version), first);
        Assert.Empty(second);
        Assert.Equal((long)PostgresMigrations.All.Count, await Pg.ScalarAsync(server, $"SELECT count(*) FROM \"{schema}\".schema_migrations"));
    }

    [Fact]
    public async Task Instances_starting_at_once_apply_each_migration_exactly_once()
    {
        var schema = PostgresServer.NewSchema();

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => PostgresMigrations.MigrateAsync(server.DataSource, schema, CancellationToken.None))));

        Assert.Equal(PostgresMigrations.All.Select(m => m.Version), results.SelectMany(r => r).Order());
        Assert.Equal((long)PostgresMigrations.All.Count, await Pg.ScalarAsync(server, $"SELECT count(*) FROM \"{schema}\".schema_migrations"));
        Assert.Equal(
            7L, // hourly, daily, their roll-ups by affiliate and by offer, and the partition records
            await Pg.ScalarAsync(server, $"SELECT count(*) FROM pg_tables WHERE schemaname = '{schema}' AND tablename LIKE 'gold%'"));
    }

    [Fact]
    public async Task The_report_indexes_exist_after_migration()
    {
        var schema = PostgresServer.NewSchema();
        await PostgresMigrations.MigrateAsync(server.DataSource, schema, CancellationToken.None);

        foreach (var index in new[] { "gold_daily_affiliate_day", "gold_daily_day", "gold_daily_offer_day", "gold_hourly_hour", "gold_hourly_affiliate_hour" })
        {
            Assert.Equal(1L, await Pg.ScalarAsync(server, $"SELECT count(*) FROM pg_indexes WHERE schemaname = '{schema}' AND indexname = '{index}'"));
        }
    }
}
