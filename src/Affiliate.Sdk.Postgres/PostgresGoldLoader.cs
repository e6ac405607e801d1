using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json;
using Affiliate.Sdk.Lake.Parquet.Medallion;
using Affiliate.Sdk.Medallion;
using Affiliate.Sdk.Pipeline;
using Affiliate.Sdk.Postgres.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Affiliate.Sdk.Postgres;

/// <summary>What one gold load did.</summary>
/// <param name="PartitionsLoaded">UTC-date partitions (hourly and daily) replaced.</param>
/// <param name="PartitionsRemoved">Partitions emptied because their folder in the lake is gone.</param>
/// <param name="RowsLoaded">Gold rows copied in.</param>
/// <param name="Deferred">True when the engine was mid-run, so nothing was loaded and the next load retries.</param>
public sealed record PostgresLoadResult(int PartitionsLoaded, int PartitionsRemoved, long RowsLoaded, bool Deferred);

/// <summary>
/// Loads gold Parquet (<c>gold/hourly|daily/dt=…/</c>, see <see cref="GoldParquet"/>) into PostgreSQL: the partitions whose file
/// changed since the last load are binary-COPYed into staging tables and replaced in one transaction, so a report sees the
/// whole previous load or the whole new one, and a re-run with nothing changed writes nothing. Safe to run from several
/// instances at once (an advisory lock serialises loads).
/// </summary>
public sealed partial class PostgresGoldLoader
{
    private static readonly ActivitySource Activities = new(PostgresTelemetry.Name);

    /// <summary>The dimension of each roll-up table (<c>gold_{hourly|daily}_{affiliate|offer}</c>).</summary>
    private static readonly string[] RollupColumns = ["affiliate_id", "offer_id"];

    /// <summary>Loads at least this large refresh the planner statistics in the same transaction.</summary>
    private const long AnalyzeAfterRows = 100_000;
    private readonly NpgsqlDataSource _dataSource;
    private readonly IBlobStore _store;
    private readonly PostgresReportsOptions _options;
    private readonly string _statePrefix;
    private readonly ILogger _logger;
    private readonly string _s;
    private readonly Counter<long>? _rows;
    private readonly Histogram<double>? _duration;
    private readonly SchemaGate _schema;

    /// <summary>Creates a loader.</summary>
    /// <param name="dataSource">The report database.</param>
    /// <param name="store">The lake holding gold.</param>
    /// <param name="options">Schema and timeouts.</param>
    /// <param name="medallionOptions">Where the in-process engine keeps its manifest (to load only between engine runs).</param>
    /// <param name="logger">Logger.</param>
    /// <param name="meterFactory">Creates the <c>Affiliate.Sdk.Postgres</c> meter, if any.</param>
    public PostgresGoldLoader(
        NpgsqlDataSource dataSource,
        IBlobStore store,
        IOptions<PostgresReportsOptions> options,
        IOptions<InProcessMedallionOptions>? medallionOptions = null,
        ILogger<PostgresGoldLoader>? logger = null,
        IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        _dataSource = dataSource;
        _store = store;
        _options = options.Value;
        _statePrefix = medallionOptions?.Value.StatePrefix ?? new InProcessMedallionOptions().StatePrefix;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _s = PostgresMigrations.Quote(_options.Schema);
        _schema = SchemaGate.For(dataSource, _options.Schema);
        if (meterFactory is not null)
        {
            var meter = meterFactory.Create(PostgresTelemetry.Name);
            _rows = meter.CreateCounter<long>("affiliate.sdk.postgres.load.rows", "{row}", "Gold rows copied into PostgreSQL.");
            _duration = meter.CreateHistogram<double>("affiliate.sdk.postgres.load.duration", "s", "Duration of gold loads into PostgreSQL that changed something.");
        }
    }

    /// <summary>Creates or migrates the package's schema (idempotent; safe when several instances start at once).</summary>
    /// <param name="cancellationToken">Stops the migration (nothing is applied then).</param>
    /// <returns>A task that completes when the schema is current.</returns>
    public Task EnsureSchemaAsync(CancellationToken cancellationToken) => _schema.EnsureAsync(cancellationToken);

    /// <summary>Loads every gold partition whose file changed since the last load, in one transaction.</summary>
    /// <param name="cancellationToken">Stops the load; nothing is visible unless the transaction committed.</param>
    /// <returns>What was loaded.</returns>
    public async Task<PostgresLoadResult> LoadChangedAsync(CancellationToken cancellationToken)
    {
        using var activity = Activities.StartActivity("postgres gold load");
        var started = Stopwatch.GetTimestamp();
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);

        // A consistent picture of the lake: the engine's manifest is the same (and no run is pending) before and after listing.
        var before = await ReadEngineStateAsync(cancellationToken).ConfigureAwait(false);
        var hourly = await ListPartitionsAsync(GoldGrain.Hour, cancellationToken).ConfigureAwait(false);
        var daily = await ListPartitionsAsync(GoldGrain.Day, cancellationToken).ConfigureAwait(false);
        var after = await ReadEngineStateAsync(cancellationToken).ConfigureAwait(false);
        if (before.Pending || after.Pending || before.Runs != after.Runs)
        {
            LogDeferred(_logger);
            return new PostgresLoadResult(0, 0, 0, Deferred: true);
        }

        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await ExecuteAsync(connection, "SELECT pg_advisory_xact_lock($1)", cancellationToken, PostgresMigrations.LockKey("load", _options.Schema)).ConfigureAwait(false);
                var loaded = await ReadLoadedAsync(connection, cancellationToken).ConfigureAwait(false);

                var changes = new List<PartitionChange>();
                Diff(GoldGrain.Hour, hourly, loaded, changes);
                Diff(GoldGrain.Day, daily, loaded, changes);
                var freshnessChanged = await FreshnessDiffersAsync(connection, after.Freshness, cancellationToken).ConfigureAwait(false);
                if (changes.Count == 0 && !freshnessChanged)
                {
                    await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                    return new PostgresLoadResult(0, 0, 0, Deferred: false);
                }

                long rows = 0;
                var applied = new List<PartitionChange>();
                if (changes.Count > 0)
                {
                    await ExecuteAsync(
                        connection,
                        $"""
                        CREATE TEMP TABLE stage_hourly (LIKE {_s}.gold_hourly) ON COMMIT DROP;
                        CREATE TEMP TABLE stage_daily (LIKE {_s}.gold_daily) ON COMMIT DROP;
                        """,
                        cancellationToken).ConfigureAwait(false);

                    foreach (var change in changes)
                    {
                        if (change.File is null)
                        {
                            applied.Add(change with { Rows = 0 });
                            continue;
                        }

                        var copied = await CopyPartitionAsync(connection, change, cancellationToken).ConfigureAwait(false);
                        if (copied is null)
                        {
                            continue; // The file was replaced after listing; the next load takes the new one.
                        }

                        rows += copied.Value;
                        applied.Add(change with { Rows = copied.Value });
                    }

                    await ReplaceAsync(connection, applied, cancellationToken).ConfigureAwait(false);
                    if (rows >= AnalyzeAfterRows)
                    {
                        // A large load (a backfill) changes the statistics the report plans depend on; refresh them now.
                        await ExecuteAsync(
                            connection,
                            $"ANALYZE {_s}.gold_hourly, {_s}.gold_daily, {_s}.gold_hourly_affiliate, {_s}.gold_daily_affiliate, {_s}.gold_hourly_offer, {_s}.gold_daily_offer",
                            cancellationToken).ConfigureAwait(false);
                    }
                }

                await ExecuteAsync(
                    connection,
                    $"""
                    INSERT INTO {_s}.load_state (id, freshness, loaded_at) VALUES (1, $1, now())
                    ON CONFLICT (id) DO UPDATE SET freshness = excluded.freshness, loaded_at = excluded.loaded_at
                    """,
                    cancellationToken,
                    after.Freshness is { } f ? f.UtcDateTime : DBNull.Value).ConfigureAwait(false);

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                var removed = applied.Count(c => c.File is null);
                _rows?.Add(rows);
                var elapsed = Stopwatch.GetElapsedTime(started);
                _duration?.Record(elapsed.TotalSeconds);
                if (applied.Count > 0)
                {
                    LogLoaded(_logger, applied.Count - removed, removed, rows, elapsed.TotalMilliseconds);
                }

                return new PostgresLoadResult(applied.Count - removed, removed, rows, Deferred: false);
            }
        }
    }

    private static void Diff(GoldGrain grain, Dictionary<DateOnly, BlobItem> inLake, Dictionary<(GoldGrain, DateOnly), string> loaded, List<PartitionChange> changes)
    {
        foreach (var (date, file) in inLake.OrderBy(p => p.Key))
        {
            var source = Source(file);
            if (!loaded.TryGetValue((grain, date), out var current) || !string.Equals(current, source, StringComparison.Ordinal))
            {
                changes.Add(new PartitionChange(grain, date, file, source, 0));
            }
        }

        foreach (var ((g, date), _) in loaded)
        {
            if (g == grain && !inLake.ContainsKey(date))
            {
                changes.Add(new PartitionChange(grain, date, null, string.Empty, 0));
            }
        }
    }

    /// <summary>What identifies the loaded content of a partition: the file (names are unique per write) and its size.</summary>
    private static string Source(BlobItem file) => string.Create(CultureInfo.InvariantCulture, $"{file.Key}#{file.Size}");

    /// <summary>The current file of each date partition. While the engine replaces a partition both files exist briefly: the newest wins.</summary>
    private async Task<Dictionary<DateOnly, BlobItem>> ListPartitionsAsync(GoldGrain grain, CancellationToken cancellationToken)
    {
        var prefix = grain == GoldGrain.Hour ? "gold/hourly/" : "gold/daily/";
        var result = new Dictionary<DateOnly, BlobItem>();
        await foreach (var item in _store.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            if (!item.Key.EndsWith(".parquet", StringComparison.Ordinal) || !TryParseDate(item.Key, prefix, out var date))
            {
                continue;
            }

            if (!result.TryGetValue(date, out var current) || string.CompareOrdinal(item.Key, current.Key) > 0)
            {
                result[date] = item;
            }
        }

        return result;
    }

    private static bool TryParseDate(string key, string prefix, out DateOnly date)
    {
        date = default;
        var rest = key.AsSpan(prefix.Length);
        var slash = rest.IndexOf('/');
        return slash > 3
            && rest.StartsWith("dt=", StringComparison.Ordinal)
            && DateOnly.TryParseExact(rest[3..slash], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);
    }

    private async Task<Dictionary<(GoldGrain, DateOnly), string>> ReadLoadedAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var loaded = new Dictionary<(GoldGrain, DateOnly), string>();
        var command = new NpgsqlCommand($"SELECT grain, dt, source FROM {_s}.gold_partitions", connection);
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var grain = reader.GetString(0) == "hour" ? GoldGrain.Hour : GoldGrain.Day;
                loaded[(grain, reader.GetFieldValue<DateOnly>(1))] = reader.GetString(2);
            }
        }

        return loaded;
    }

    private async Task<bool> FreshnessDiffersAsync(NpgsqlConnection connection, DateTimeOffset? freshness, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand($"SELECT freshness FROM {_s}.load_state WHERE id = 1", connection);
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return true;
            }

            DateTimeOffset? current = reader.IsDBNull(0) ? null : new DateTimeOffset(reader.GetDateTime(0), TimeSpan.Zero);
            return current != freshness;
        }
    }

    /// <summary>Reads one gold file and binary-COPYs it into its staging table; null when the file vanished meanwhile.</summary>
    private async Task<long?> CopyPartitionAsync(NpgsqlConnection connection, PartitionChange change, CancellationToken cancellationToken)
    {
        var view = new SingleFileStore(_store, change.File!);
        var gold = await GoldParquet.ReadAsync(view, change.Grain, cancellationToken).ConfigureAwait(false);
        if (view.Vanished)
        {
            return null;
        }

        var hourly = change.Grain == GoldGrain.Hour;
        var copy = $"COPY {(hourly ? "stage_hourly (hour" : "stage_daily (day")}, affiliate_id, offer_id, campaign_id, sub1, sub2, sub3, sub4, sub5, country, "
            + "impressions, clicks, unique_clicks, bot_clicks, conversions, pending_conversions, rejected_conversions, revenue, payout) FROM STDIN (FORMAT BINARY)";
        var importer = await connection.BeginBinaryImportAsync(copy, cancellationToken).ConfigureAwait(false);
        await using (importer.ConfigureAwait(false))
        {
            importer.Timeout = _options.LoadTimeout;
            foreach (var (key, m) in gold)
            {
                var utc = key.Period.UtcDateTime;
                if (DateOnly.FromDateTime(utc) != change.Date)
                {
                    throw new InvalidDataException(
                        $"Gold file '{change.File!.Key}' holds a row for {key.Period:O}, outside its partition {change.Date:yyyy-MM-dd}; the file is not valid gold.");
                }

                await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
                if (hourly)
                {
                    await importer.WriteAsync(utc, NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await importer.WriteAsync(change.Date, NpgsqlDbType.Date, cancellationToken).ConfigureAwait(false);
                }

                await Text(importer, key.AffiliateId, cancellationToken).ConfigureAwait(false);
                await Text(importer, key.OfferId, cancellationToken).ConfigureAwait(false);
                await Text(importer, key.CampaignId, cancellationToken).ConfigureAwait(false);
                await Text(importer, key.Sub1, cancellationToken).ConfigureAwait(false);
                await Text(importer, key.Sub2, cancellationToken).ConfigureAwait(false);
                await Text(importer, key.Sub3, cancellationToken).ConfigureAwait(false);
                await Text(importer, key.Sub4, cancellationToken).ConfigureAwait(false);
                await Text(importer, key.Sub5, cancellationToken).ConfigureAwait(false);
                await Text(importer, key.Country, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(m.Impressions, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(m.Clicks, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(m.UniqueClicks, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(m.BotClicks, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(m.Conversions, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(m.PendingConversions, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(m.RejectedConversions, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(m.Revenue, NpgsqlDbType.Numeric, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(m.Payout, NpgsqlDbType.Numeric, cancellationToken).ConfigureAwait(false);
            }

            return (long)await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static ValueTask Text(NpgsqlBinaryImporter importer, string? value, CancellationToken cancellationToken) =>
        value is null ? new ValueTask(importer.WriteNullAsync(cancellationToken)) : new ValueTask(importer.WriteAsync(value, NpgsqlDbType.Text, cancellationToken));

    /// <summary>Deletes the changed partitions and inserts the staged rows, then refreshes their roll-up rows and the partition records.</summary>
    private async Task ReplaceAsync(NpgsqlConnection connection, List<PartitionChange> applied, CancellationToken cancellationToken)
    {
        var hourDays = applied.Where(c => c.Grain == GoldGrain.Hour).Select(c => c.Date).ToArray();
        var dayDays = applied.Where(c => c.Grain == GoldGrain.Day).Select(c => c.Date).ToArray();
        const string Columns = "affiliate_id, offer_id, campaign_id, sub1, sub2, sub3, sub4, sub5, country, impressions, clicks, unique_clicks, bot_clicks, conversions, pending_conversions, rejected_conversions, revenue, payout";
        const string InDays = "hour >= (d.day::timestamp AT TIME ZONE 'UTC') AND hour < ((d.day + 1)::timestamp AT TIME ZONE 'UTC')";
        if (hourDays.Length > 0)
        {
            await ExecuteAsync(connection, $"DELETE FROM {_s}.gold_hourly g USING unnest($1::date[]) AS d(day) WHERE g.{InDays}", cancellationToken, hourDays).ConfigureAwait(false);
            await ExecuteAsync(connection, $"INSERT INTO {_s}.gold_hourly (hour, {Columns}) SELECT hour, {Columns} FROM stage_hourly", cancellationToken).ConfigureAwait(false);
            foreach (var column in RollupColumns)
            {
                var rollup = "gold_hourly_" + column[..column.IndexOf('_', StringComparison.Ordinal)];
                await ExecuteAsync(connection, $"DELETE FROM {_s}.{rollup} g USING unnest($1::date[]) AS d(day) WHERE g.{InDays}", cancellationToken, hourDays).ConfigureAwait(false);
                await ExecuteAsync(
                    connection,
                    $"INSERT INTO {_s}.{rollup} SELECT hour, {column}, {PostgresMigrations.Sums} FROM stage_hourly GROUP BY hour, {column}",
                    cancellationToken).ConfigureAwait(false);
            }
        }

        if (dayDays.Length > 0)
        {
            await ExecuteAsync(connection, $"DELETE FROM {_s}.gold_daily WHERE day = ANY($1)", cancellationToken, dayDays).ConfigureAwait(false);
            await ExecuteAsync(connection, $"INSERT INTO {_s}.gold_daily (day, {Columns}) SELECT day, {Columns} FROM stage_daily", cancellationToken).ConfigureAwait(false);
            foreach (var column in RollupColumns)
            {
                var rollup = "gold_daily_" + column[..column.IndexOf('_', StringComparison.Ordinal)];
                await ExecuteAsync(connection, $"DELETE FROM {_s}.{rollup} WHERE day = ANY($1)", cancellationToken, dayDays).ConfigureAwait(false);
                await ExecuteAsync(
                    connection,
                    $"INSERT INTO {_s}.{rollup} SELECT day, {column}, {PostgresMigrations.Sums} FROM stage_daily GROUP BY day, {column}",
                    cancellationToken).ConfigureAwait(false);
            }
        }

        foreach (var change in applied)
        {
            var grain = change.Grain == GoldGrain.Hour ? "hour" : "day";
            if (change.File is null)
            {
                await ExecuteAsync(connection, $"DELETE FROM {_s}.gold_partitions WHERE grain = $1 AND dt = $2", cancellationToken, grain, change.Date).ConfigureAwait(false);
            }
            else
            {
                await ExecuteAsync(
                    connection,
                    $"""
                    INSERT INTO {_s}.gold_partitions (grain, dt, source, row_count, loaded_at) VALUES ($1, $2, $3, $4, now())
                    ON CONFLICT (grain, dt) DO UPDATE SET source = excluded.source, row_count = excluded.row_count, loaded_at = excluded.loaded_at
                    """,
                    cancellationToken,
                    grain,
                    change.Date,
                    change.Source,
                    change.Rows).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The in-process engine's committed state: runs so far, freshness, and whether a run is under way (or was interrupted).</summary>
    private async Task<(long Runs, DateTimeOffset? Freshness, bool Pending)> ReadEngineStateAsync(CancellationToken cancellationToken)
    {
        var pending = false;
        await foreach (var item in _store.ListAsync(_statePrefix, cancellationToken).ConfigureAwait(false))
        {
            pending |= item.Key.EndsWith("/pending.json", StringComparison.Ordinal) || item.Key == _statePrefix + "pending.json";
        }

        var stream = await _store.OpenReadAsync(_statePrefix + "manifest.json", cancellationToken).ConfigureAwait(false);
        if (stream is null)
        {
            return (0, null, pending);
        }

        await using (stream.ConfigureAwait(false))
        {
            using var document = await JsonDocument.ParseAsync(stream, default, cancellationToken).ConfigureAwait(false);
            var root = document.RootElement;
            var runs = root.TryGetProperty("runs", out var r) && r.ValueKind == JsonValueKind.Number ? r.GetInt64() : 0;
            DateTimeOffset? freshness = root.TryGetProperty("freshness", out var f) && f.ValueKind == JsonValueKind.String ? f.GetDateTimeOffset().ToUniversalTime() : null;
            return (runs, freshness, pending);
        }
    }

    private async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params object[] values)
    {
        var command = new NpgsqlCommand(sql, connection);
        await using (command.ConfigureAwait(false))
        {
            command.CommandTimeout = (int)Math.Ceiling(_options.LoadTimeout.TotalSeconds);
            foreach (var value in values)
            {
                command.Parameters.Add(new NpgsqlParameter { Value = value });
            }

            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Loaded {Partitions} gold partitions ({Rows} rows) into PostgreSQL and removed {Removed} in {ElapsedMs:F0} ms")]
    private static partial void LogLoaded(ILogger logger, int partitions, int removed, long rows, double elapsedMs);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Gold load deferred: the medallion engine is writing gold; the next load retries")]
    private static partial void LogDeferred(ILogger logger);

    private sealed record PartitionChange(GoldGrain Grain, DateOnly Date, BlobItem? File, string Source, long Rows);

    /// <summary>A view of the lake that lists only one file, so <see cref="GoldParquet.ReadAsync"/> reads one partition.</summary>
    private sealed class SingleFileStore(IBlobStore inner, BlobItem file) : IBlobStore
    {
        public bool Vanished { get; private set; }

        public ValueTask<IBlobUpload> StartUploadAsync(string key, CancellationToken cancellationToken) => throw new NotSupportedException();

        public async ValueTask<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken)
        {
            var stream = await inner.OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
            Vanished |= stream is null;
            return stream;
        }

        public async IAsyncEnumerable<BlobItem> ListAsync(string prefix, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.CompletedTask.ConfigureAwait(false);
            if (file.Key.StartsWith(prefix, StringComparison.Ordinal))
            {
                yield return file;
            }
        }

        public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
