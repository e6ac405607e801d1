using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Affiliate.Sdk.DuckDb.Internal;
using Affiliate.Sdk.DuckDb.Medallion;
using Affiliate.Sdk.Medallion;
using Affiliate.Sdk.Offers;
using Affiliate.Sdk.Pipeline;
using DuckDB.NET.Data;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.DuckDb;

/// <summary>
/// The medallion model on embedded DuckDB: reads new bronze Parquet files, merges them into silver (deduplication,
/// attribution, money) and rewrites the gold partitions they touch, each batch in one transaction. State lives in
/// <c>{StateDirectory}/medallion.duckdb</c>; see docs/duckdb.md.
/// </summary>
public sealed partial class DuckDbMedallionEngine : IMedallionEngine, IDisposable
{
    private const string BronzeEventsPrefix = "bronze/events/";
    private readonly DuckDbMedallionOptions _options;
    private readonly MedallionOptions _medallion;
    private readonly IOfferCatalog _catalog;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly IBlobStore? _bronzeStore;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private DuckDBConnection? _connection;
    private HashSet<string>? _processed;
    private bool _disposed;

    /// <summary>Creates the engine; the database is opened on the first run.</summary>
    /// <param name="options">Lake root, state directory and batch size.</param>
    /// <param name="medallion">Report currency and exchange rates.</param>
    /// <param name="catalog">Offers (attribution window, revenue and payout rules).</param>
    /// <param name="logger">Logger.</param>
    /// <param name="timeProvider">Clock for run records; the system clock when <see langword="null"/>.</param>
    /// <param name="bronzeStore">The lake store bronze is mirrored from; required when <see cref="DuckDbMedallionOptions.BronzeSource"/> is <see cref="DuckDbBronzeSource.BlobStore"/>.</param>
    public DuckDbMedallionEngine(
        IOptions<DuckDbMedallionOptions> options,
        IOptions<MedallionOptions> medallion,
        IOfferCatalog catalog,
        ILogger<DuckDbMedallionEngine>? logger = null,
        TimeProvider? timeProvider = null,
        IBlobStore? bronzeStore = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(medallion);
        ArgumentNullException.ThrowIfNull(catalog);
        _options = options.Value;
        _medallion = medallion.Value;
        _catalog = catalog;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
        if (_options.BronzeSource == DuckDbBronzeSource.BlobStore)
        {
            _bronzeStore = bronzeStore ?? throw new InvalidOperationException(
                $"{DuckDbMedallionOptions.SectionName}:BronzeSource is BlobStore but no lake store (IBlobStore) is registered; add one (such as the S3 lake) or use LocalDirectory.");
        }
    }

    /// <inheritdoc />
    public async ValueTask<MedallionRunResult> RunAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_bronzeStore is not null)
            {
                await MirrorBronzeAsync(_bronzeStore, cancellationToken).ConfigureAwait(false);
            }

            // DuckDB work is CPU-bound and synchronous; keep it off the caller's thread.
            var result = await Task.Run(() => Run(cancellationToken), cancellationToken).ConfigureAwait(false);
            if (_bronzeStore is not null)
            {
                DeleteMergedCacheFiles();
            }

            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _connection?.Dispose();
        _gate.Dispose();
    }

    private MedallionRunResult Run(CancellationToken cancellationToken)
    {
        try
        {
            return RunCore(cancellationToken);
        }
        catch
        {
            // Start the next run from a fresh connection and the committed file list, whatever state the failure left.
            _connection?.Dispose();
            _connection = null;
            _processed = null;
            throw;
        }
    }

    /// <summary>
    /// Copies the lake store's bronze files not merged yet into the local cache (written under a hidden temporary name,
    /// then renamed, so a run never sees half a file). Files already in the cache from a cancelled run are kept.
    /// </summary>
    private async Task MirrorBronzeAsync(IBlobStore store, CancellationToken cancellationToken)
    {
        var processed = await Task.Run(
            () =>
            {
                try
                {
                    _connection ??= OpenConnection();
                    return _processed ??= LoadProcessed(_connection);
                }
                catch
                {
                    _connection?.Dispose();
                    _connection = null;
                    _processed = null;
                    throw;
                }
            },
            cancellationToken).ConfigureAwait(false);
        var root = _options.EffectiveLakeRoot;
        await foreach (var item in store.ListAsync(BronzeEventsPrefix, cancellationToken).ConfigureAwait(false))
        {
            var name = item.Key[(item.Key.LastIndexOf('/') + 1)..];
            if (!item.Key.EndsWith(".parquet", StringComparison.Ordinal) || name.StartsWith('.') || name.StartsWith('_') || processed.Contains(item.Key))
            {
                continue;
            }

            var target = Path.GetFullPath(Path.Combine(root, item.Key));
            if (!target.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal) || File.Exists(target))
            {
                continue;
            }

            var source = await store.OpenReadAsync(item.Key, cancellationToken).ConfigureAwait(false);
            if (source is null)
            {
                continue; // Deleted since the listing (compacted); its rows are in the compacted file.
            }

            await using (source.ConfigureAwait(false))
            {
                var directory = Path.GetDirectoryName(target)!;
                Directory.CreateDirectory(directory);
                var temporary = Path.Combine(directory, "." + name + "." + Guid.NewGuid().ToString("N") + ".tmp");
                try
                {
                    var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true);
                    await using (file.ConfigureAwait(false))
                    {
                        await source.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
                    }

                    File.Move(temporary, target, overwrite: true);
                }
                finally
                {
                    File.Delete(temporary);
                }
            }
        }
    }

    /// <summary>Deletes cached bronze files the engine has merged (or skipped as compacted duplicates): the cache stays bounded.</summary>
    private void DeleteMergedCacheFiles()
    {
        var root = _options.BronzeEventsRoot;
        if (_processed is not { } processed || !Directory.Exists(root))
        {
            return;
        }

        var lakeRoot = _options.EffectiveLakeRoot;
        foreach (var file in Directory.EnumerateFiles(root, "*.parquet", SearchOption.AllDirectories))
        {
            if (processed.Contains(Path.GetRelativePath(lakeRoot, file).Replace('\\', '/')))
            {
                File.Delete(file);
            }
        }
    }

    private MedallionRunResult RunCore(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var connection = _connection ??= OpenConnection();
        _processed ??= LoadProcessed(connection);

        var pending = ListPendingFiles(_processed);
        var files = 0;
        var partitions = 0;
        foreach (var batch in pending.Chunk(Math.Max(1, _options.MaxFilesPerBatch)))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (read, written) = RunBatch(connection, batch, cancellationToken);
            files += read;
            partitions += written;
        }

        var freshness = Scalar(connection, MedallionSql.Freshness, cancellationToken) is DateTime f
            ? new DateTimeOffset(DateTime.SpecifyKind(f, DateTimeKind.Utc))
            : (DateTimeOffset?)null;
        var elapsed = Stopwatch.GetElapsedTime(started);
        if (pending.Count > 0)
        {
            LogRun(_logger, files, partitions, elapsed.TotalMilliseconds);
        }

        return new MedallionRunResult(files, partitions, freshness, elapsed);
    }

    private DuckDBConnection OpenConnection()
    {
        var connection = DuckDbDatabase.Open(_options);
        DuckDbDatabase.Execute(connection, MedallionSql.Macros);

        // Silver and gold are sets; not keeping insertion order lets DuckDB stream and spill large inserts.
        DuckDbDatabase.Execute(connection, "SET preserve_insertion_order = false");
        return connection;
    }

    private static HashSet<string> LoadProcessed(DuckDBConnection connection)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        using var command = connection.CreateCommand();
        command.CommandText = MedallionSql.ProcessedFiles;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            set.Add(reader.GetString(0));
        }

        return set;
    }

    /// <summary>Bronze files not processed yet, oldest partition first (paths relative to the lake root, '/'-separated).</summary>
    private List<string> ListPendingFiles(HashSet<string> processed)
    {
        var root = _options.BronzeEventsRoot;
        var pending = new List<string>();
        if (!Directory.Exists(root))
        {
            return pending;
        }

        var lakeRoot = _options.EffectiveLakeRoot;
        foreach (var file in Directory.EnumerateFiles(root, "*.parquet", SearchOption.AllDirectories))
        {
            // Writers stage files under hidden or underscore names before the atomic rename.
            var name = Path.GetFileName(file);
            if (name.StartsWith('.') || name.StartsWith('_'))
            {
                continue;
            }

            var relative = Path.GetRelativePath(lakeRoot, file).Replace('\\', '/');
            if (!processed.Contains(relative))
            {
                pending.Add(relative);
            }
        }

        pending.Sort(StringComparer.Ordinal);
        return pending;
    }

    private (int Files, int Partitions) RunBatch(DuckDBConnection connection, string[] batch, CancellationToken cancellationToken)
    {
        var lakeRoot = _options.EffectiveLakeRoot;

        // Compaction may delete a source after listing; its rows are in the compacted file, which a later listing finds.
        batch = [.. batch.Where(p => File.Exists(Path.Combine(lakeRoot, p)))];
        if (batch.Length == 0)
        {
            return (0, 0);
        }

        var fullPaths = batch.Select(p => Path.GetFullPath(Path.Combine(lakeRoot, p))).ToList();
        var batchProcessed = new List<string>();
        var startedAt = _time.GetUtcNow();

        Execute(connection, "BEGIN TRANSACTION", cancellationToken);
        try
        {
            var runId = Convert.ToInt64(Scalar(connection, MedallionSql.NextRunId, cancellationToken), CultureInfo.InvariantCulture);

            // Compacted files whose sources were all merged add nothing; their sources become processed with them.
            var toRead = new List<string>(batch.Length);
            var toReadFull = new List<string>(batch.Length);
            var skipped = new List<string>();
            var sources = ReadCompactedSources(connection, fullPaths, lakeRoot, cancellationToken);
            for (var i = 0; i < batch.Length; i++)
            {
                if (sources.TryGetValue(fullPaths[i], out var from) && from.Count > 0 && from.All(_processed!.Contains))
                {
                    skipped.Add(batch[i]);
                    continue;
                }

                toRead.Add(batch[i]);
                toReadFull.Add(fullPaths[i]);
                if (from is not null)
                {
                    skipped.AddRange(from.Where(s => !_processed!.Contains(s) && !batch.Contains(s)).Distinct());
                }
            }

            var partitions = 0;
            Execute(connection, MedallionSql.CreateRunTables, cancellationToken);
            if (toRead.Count > 0)
            {
                LoadRates(connection, cancellationToken);
                Step(connection, "stage", MedallionSql.Stage, cancellationToken, ("files", toReadFull), ("run_id", runId));
                Step(connection, "merge silver", MedallionSql.MergeSilver, cancellationToken);
                LoadOffers(connection, MedallionSql.ClickPickOfferIds, cancellationToken);
                Step(connection, "attribute", MedallionSql.Attribute, cancellationToken);
                LoadOffers(connection, MedallionSql.SurvivorOfferIds, cancellationToken);
                Step(connection, "survivors", MedallionSql.InsertSurvivors, cancellationToken);
                Step(connection, "gold", MedallionSql.RebuildGold, cancellationToken);
                partitions = Convert.ToInt32(Scalar(connection, MedallionSql.GoldPartitionCount, cancellationToken), CultureInfo.InvariantCulture);
                Step(
                    connection,
                    "record",
                    MedallionSql.RecordRun,
                    cancellationToken,
                    ("run_id", runId),
                    ("now", _time.GetUtcNow()),
                    ("started_at", startedAt),
                    ("paths", toRead),
                    ("full_paths", toReadFull),
                    ("files", toRead.Count),
                    ("partitions", partitions));
                batchProcessed.AddRange(toRead);
            }

            if (skipped.Count > 0)
            {
                Execute(connection, MedallionSql.RecordSkipped, cancellationToken, ("paths", skipped), ("run_id", runId), ("now", _time.GetUtcNow()));
                batchProcessed.AddRange(skipped);
            }

            Step(connection, "commit", "COMMIT", cancellationToken);
            foreach (var path in batchProcessed)
            {
                _processed!.Add(path);
            }

            return (batch.Length, partitions);
        }
        catch
        {
            TryRollback(connection);
            throw;
        }
    }

    private static void TryRollback(DuckDBConnection connection)
    {
        try
        {
            DuckDbDatabase.Execute(connection, "ROLLBACK");
        }
        catch (DuckDBException)
        {
            // The transaction may already be aborted by the failing statement; nothing was committed either way.
        }
    }

    private static Dictionary<string, List<string>> ReadCompactedSources(
        DuckDBConnection connection, List<string> fullPaths, string lakeRoot, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        using var command = CreateCommand(connection, MedallionSql.CompactedFrom, ("files", fullPaths));
        using var registration = cancellationToken.Register(command.Cancel);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var file = reader.GetString(0);
            var directory = Path.GetDirectoryName(file)!;
            var list = new List<string>();
            foreach (var source in ParseSourceList(reader.IsDBNull(1) ? string.Empty : reader.GetString(1)))
            {
                // Sources are file names beside the compacted file, or paths relative to the lake root.
                var full = source.Contains('/', StringComparison.Ordinal)
                    ? Path.GetFullPath(Path.Combine(lakeRoot, source))
                    : Path.GetFullPath(Path.Combine(directory, source));
                list.Add(Path.GetRelativePath(lakeRoot, full).Replace('\\', '/'));
            }

            result[Path.GetFullPath(file)] = list;
        }

        return result;
    }

    internal static IEnumerable<string> ParseSourceList(string value)
    {
        value = value.Trim();
        if (value.StartsWith('['))
        {
            try
            {
                return JsonSerializer.Deserialize(value, SourceListJsonContext.Default.StringArray)?.Where(s => !string.IsNullOrWhiteSpace(s)).ToArray() ?? [];
            }
            catch (JsonException)
            {
                return [];
            }
        }

        return value.Split([',', '\n', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    private void LoadRates(DuckDBConnection connection, CancellationToken cancellationToken)
    {
        var report = _medallion.ReportCurrency.ToUpperInvariant();
        Execute(connection, MedallionSql.InsertRate, cancellationToken, ("currency", report), ("num", BigInteger.One), ("den", BigInteger.One));
        foreach (var (currency, rate) in _medallion.ExchangeRates)
        {
            var upper = currency.ToUpperInvariant();
            if (rate <= 0m || upper == report)
            {
                continue;
            }

            var (num, den) = Fraction(rate);
            Execute(connection, MedallionSql.InsertRate, cancellationToken, ("currency", upper), ("num", num), ("den", den));
        }
    }

    /// <summary>Resolves offer ids through the catalog (whatever its key comparison) into <c>run_offers</c>.</summary>
    private void LoadOffers(DuckDBConnection connection, string distinctOfferIdsSql, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        using (var command = CreateCommand(connection, distinctOfferIdsSql))
        {
            using var registration = cancellationToken.Register(command.Cancel);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                ids.Add(reader.GetString(0));
            }
        }

        foreach (var id in ids)
        {
            if (!_catalog.TryGetOffer(id, out var offer))
            {
                continue;
            }

            var (revNum, revDen) = Fraction(offer.Revenue.Value);
            var (payNum, payDen) = Fraction(offer.Payout.Value);
            Execute(
                connection,
                MedallionSql.InsertOffer,
                cancellationToken,
                ("offer_id", id),
                ("currency", offer.Currency.ToUpperInvariant()),
                ("window_us", offer.AttributionWindow.Ticks / TimeSpan.TicksPerMicrosecond),
                ("rev_kind", (int)offer.Revenue.Kind),
                ("rev_num", revNum),
                ("rev_den", revDen),
                ("pay_kind", (int)offer.Payout.Kind),
                ("pay_num", payNum),
                ("pay_den", payDen));
        }
    }

    /// <summary>A decimal as an exact fraction num / 10^scale, trailing zeros removed.</summary>
    internal static (BigInteger Num, BigInteger Den) Fraction(decimal value)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        var num = new BigInteger((uint)bits[0]) | (new BigInteger((uint)bits[1]) << 32) | (new BigInteger((uint)bits[2]) << 64);
        var scale = (bits[3] >> 16) & 0xFF;
        if (bits[3] < 0)
        {
            num = -num;
        }

        while (scale > 0 && num % 10 == 0)
        {
            num /= 10;
            scale--;
        }

        return (num, BigInteger.Pow(10, scale));
    }

    private static DuckDBCommand CreateCommand(DuckDBConnection connection, string constantSql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = constantSql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.Add(new DuckDBParameter(name, value ?? DBNull.Value));
        }

        return command;
    }

    private void Step(DuckDBConnection connection, string step, string constantSql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        if (!_logger.IsEnabled(LogLevel.Trace))
        {
            var started = Stopwatch.GetTimestamp();
            Execute(connection, constantSql, cancellationToken, parameters);
            StepDone(step, started);
            return;
        }

        // Trace: time every statement of the step (the constant SQL holds no ';' inside literals).
        foreach (var statement in constantSql.Split(";\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var started = Stopwatch.GetTimestamp();
            var used = parameters.Where(p => statement.Contains("$" + p.Name, StringComparison.Ordinal)).ToArray();
            Execute(connection, statement, cancellationToken, used);
            StepDone(step + ": " + statement.Split('\n')[0], started);
        }
    }

    private void StepDone(string step, long started)
    {
        var elapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        LogStep(_logger, step, elapsedMs);
    }

    private static void Execute(DuckDBConnection connection, string constantSql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var command = CreateCommand(connection, constantSql, parameters);
        using var registration = cancellationToken.Register(command.Cancel);
        command.ExecuteNonQuery();
    }

    private static object? Scalar(DuckDBConnection connection, string constantSql, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var command = CreateCommand(connection, constantSql);
        using var registration = cancellationToken.Register(command.Cancel);
        var value = command.ExecuteScalar();
        return value is DBNull ? null : value;
    }

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "DuckDB medallion step '{Step}' took {ElapsedMs:F0} ms")]
    private static partial void LogStep(ILogger logger, string step, double elapsedMs);

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "DuckDB medallion merged {Files} bronze files and rewrote {Partitions} gold partitions in {ElapsedMs:F0} ms")]
    private static partial void LogRun(ILogger logger, int files, int partitions, double elapsedMs);
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string[]))]
internal sealed partial class SourceListJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
