using System.Text;
using Npgsql;

namespace Affiliate.Sdk.Postgres.Internal;

/// <summary>
/// The package's schema, as numbered migrations recorded in <c>schema_migrations</c>. Every instance runs
/// <see cref="MigrateAsync"/> at start: under a transaction-scoped advisory lock, so two instances starting at once
/// apply each migration exactly once, and a re-run applies nothing.
/// </summary>
internal static class PostgresMigrations
{
    private const string Dims = """
        affiliate_id text COLLATE "C", offer_id text COLLATE "C", campaign_id text COLLATE "C",
        sub1 text COLLATE "C", sub2 text COLLATE "C", sub3 text COLLATE "C", sub4 text COLLATE "C", sub5 text COLLATE "C",
        country text COLLATE "C"
        """;

    private const string Counts = """
        impressions bigint NOT NULL, clicks bigint NOT NULL, unique_clicks bigint NOT NULL, bot_clicks bigint NOT NULL,
        conversions bigint NOT NULL, pending_conversions bigint NOT NULL, rejected_conversions bigint NOT NULL,
        revenue numeric(38,6) NOT NULL, payout numeric(38,6) NOT NULL
        """;

    /// <summary>Migrations in order; <c>{s}</c> stands for the quoted schema. Never edit a shipped one: add the next.</summary>
    internal static readonly IReadOnlyList<(int Version, string Name, string Sql)> All =
    [
        (1, "gold tables", $"""
            CREATE TABLE {"{s}"}.gold_hourly (hour timestamptz NOT NULL, {Dims}, {Counts});
            CREATE TABLE {"{s}"}.gold_daily (day date NOT NULL, {Dims}, {Counts});
            CREATE TABLE {"{s}"}.gold_partitions (
                grain text NOT NULL, dt date NOT NULL, source text NOT NULL, row_count bigint NOT NULL, loaded_at timestamptz NOT NULL,
                PRIMARY KEY (grain, dt));
            CREATE TABLE {"{s}"}.load_state (
                id smallint PRIMARY KEY CHECK (id = 1), freshness timestamptz, loaded_at timestamptz NOT NULL);
            """),
        (2, "report indexes and roll-ups by affiliate and by offer", $"""
            CREATE INDEX gold_hourly_hour ON {"{s}"}.gold_hourly (hour);
            CREATE INDEX gold_hourly_affiliate_hour ON {"{s}"}.gold_hourly (affiliate_id, hour);
            CREATE INDEX gold_hourly_offer_hour ON {"{s}"}.gold_hourly (offer_id, hour);
            CREATE INDEX gold_daily_day ON {"{s}"}.gold_daily (day);
            CREATE INDEX gold_daily_affiliate_day ON {"{s}"}.gold_daily (affiliate_id, day);
            CREATE INDEX gold_daily_offer_day ON {"{s}"}.gold_daily (offer_id, day);
            {Rollup("hour", "timestamptz", "affiliate_id", "gold_hourly_affiliate", "gold_hourly")}
            {Rollup("day", "date", "affiliate_id", "gold_daily_affiliate", "gold_daily")}
            {Rollup("hour", "timestamptz", "offer_id", "gold_hourly_offer", "gold_hourly")}
            {Rollup("day", "date", "offer_id", "gold_daily_offer", "gold_daily")}
            """),
    ];

    /// <summary>A roll-up table of gold by period and one dimension: the same sums over far fewer rows.</summary>
    private static string Rollup(string period, string type, string column, string table, string source) => $"""
        CREATE TABLE {"{s}"}.{table} ({period} {type} NOT NULL, {column} text COLLATE "C", {Counts});
        CREATE INDEX {table}_by_{period} ON {"{s}"}.{table} ({period}, {column});
        CREATE INDEX {table}_by_key ON {"{s}"}.{table} ({column}, {period});
        INSERT INTO {"{s}"}.{table} SELECT {period}, {column}, {Sums} FROM {"{s}"}.{source} GROUP BY {period}, {column};
        """;

    /// <summary>The sums of every count column, in table order (roll-ups).</summary>
    internal const string Sums = """
        sum(impressions), sum(clicks), sum(unique_clicks), sum(bot_clicks), sum(conversions),
        sum(pending_conversions), sum(rejected_conversions), sum(revenue), sum(payout)
        """;

    /// <summary>The schema as a quoted identifier; the name was checked against a strict pattern at start.</summary>
    internal static string Quote(string schema) => "\"" + schema + "\"";

    /// <summary>A stable 64-bit advisory lock key for a purpose and schema (FNV-1a; string hash codes vary per process).</summary>
    internal static long LockKey(string purpose, string schema)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes("affiliate-sdk:" + purpose + ":" + schema))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return unchecked((long)hash);
    }

    /// <summary>Creates the schema and applies every migration not yet recorded, in one transaction.</summary>
    /// <returns>The versions applied by this call (empty when the schema was current).</returns>
    internal static async Task<IReadOnlyList<int>> MigrateAsync(NpgsqlDataSource dataSource, string schema, CancellationToken cancellationToken)
    {
        var s = Quote(schema);
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                // CREATE ... IF NOT EXISTS still races between sessions (unique violations in the catalog): serialise first.
                await ExecuteAsync(connection, "SELECT pg_advisory_xact_lock($1)", cancellationToken, LockKey("migrate", schema)).ConfigureAwait(false);
                await ExecuteAsync(connection, $"CREATE SCHEMA IF NOT EXISTS {s}", cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(
                    connection,
                    $"CREATE TABLE IF NOT EXISTS {s}.schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
                    cancellationToken).ConfigureAwait(false);

                var applied = new HashSet<int>();
                var versions = new NpgsqlCommand($"SELECT version FROM {s}.schema_migrations", connection);
                await using (versions.ConfigureAwait(false))
                {
                    var command = versions;
                    var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                        {
                            applied.Add(reader.GetInt32(0));
                        }
                    }
                }

                var done = new List<int>();
                foreach (var (version, name, sql) in All)
                {
                    if (applied.Contains(version))
                    {
                        continue;
                    }

                    await ExecuteAsync(connection, sql.Replace("{s}", s, StringComparison.Ordinal), cancellationToken).ConfigureAwait(false);
                    await ExecuteAsync(
                        connection,
                        $"INSERT INTO {s}.schema_migrations (version, name) VALUES ($1, $2)",
                        cancellationToken,
                        version,
                        name).ConfigureAwait(false);
                    done.Add(version);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return done;
            }
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params object[] values)
    {
        var command = new NpgsqlCommand(sql, connection);
        await using (command.ConfigureAwait(false))
        {
            foreach (var value in values)
            {
                command.Parameters.Add(new NpgsqlParameter { Value = value });
            }

            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
