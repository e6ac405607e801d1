using System.Diagnostics;
using System.Globalization;
using Affiliate.Sdk.DuckDb;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using DuckDB.NET.Data;

namespace Affiliate.Sdk.Benchmarks;

/// <summary>
/// A full DuckDB medallion run over a fresh state on a large bronze set, against the baseline of merely scanning
/// the same Parquet once. Each iteration starts from an empty state directory (cold start, one run per iteration).
/// Run: dotnet run -c Release --project benchmarks/Affiliate.Sdk.Benchmarks -- --filter '*DuckDbMedallion*'
/// (BENCH_EVENTS=10000000 for the 10M set, BENCH_DUCKDB_MEMORY_LIMIT=1GB to cap DuckDB's memory).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.ColdStart, launchCount: 1, warmupCount: 0, iterationCount: 3)]
public class DuckDbMedallionBenchmarks
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "affiliate-duckdb-bench", "medallion");
    private DuckDbMedallionOptions _options = null!;
    private readonly List<string> _extraFiles = [];
    private DuckDbMedallionEngine? _engine;

    /// <summary>Bronze events generated for the run.</summary>
    public int Events { get; } = int.TryParse(Environment.GetEnvironmentVariable("BENCH_EVENTS"), CultureInfo.InvariantCulture, out var n) ? n : 1_000_000;

    [GlobalSetup]
    public void Setup()
    {
        var lake = DuckDbBenchData.LakePath(_root, Events);
        if (!Directory.Exists(lake))
        {
            var sw = Stopwatch.StartNew();
            DuckDbBenchData.Generate(lake, Events);
            Console.WriteLine($"// generated {Events:N0} bronze events in {sw.Elapsed.TotalSeconds:F1} s");
        }

        _options = new DuckDbMedallionOptions
        {
            LakeRoot = lake,
            StateDirectory = Path.Combine(_root, "state"),

            // BENCH_DUCKDB_MEMORY_LIMIT (e.g. 1GB) caps DuckDB's buffer manager; unset keeps the engine's default.
            MemoryLimit = Environment.GetEnvironmentVariable("BENCH_DUCKDB_MEMORY_LIMIT") ?? new DuckDbMedallionOptions().MemoryLimit,
        };
    }

    [IterationSetup(Targets = [nameof(ScanBronze), nameof(MedallionRun)])]
    public void ResetState()
    {
        _engine?.Dispose();
        if (Directory.Exists(_options.StateDirectory))
        {
            Directory.Delete(_options.StateDirectory, recursive: true);
        }

        _engine = DuckDbBenchData.Engine(_options);
    }

    [Benchmark(Baseline = true, Description = "scan bronze (count + sum)")]
    public long ScanBronze()
    {
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) + count(DISTINCT event_id) FROM read_parquet($files)";
        command.Parameters.Add(new DuckDBParameter("files", Directory.EnumerateFiles(Path.Combine(_options.LakeRoot, "bronze"), "*.parquet", SearchOption.AllDirectories).ToList()));
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    [Benchmark(Description = "medallion run (bronze → silver → gold)")]
    public int MedallionRun() => _engine!.RunAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult().GoldPartitionsWritten;

    /// <summary>Steady state: the full set already merged, one new bronze file (~300 clicks) arrives.</summary>
    [IterationSetup(Target = nameof(IncrementalRun))]
    public void PrepareIncrementalRun()
    {
        if (_engine is null || !File.Exists(Path.Combine(_options.StateDirectory, DuckDbMedallionOptions.DatabaseFileName)))
        {
            ResetState();
            _engine!.RunAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
        }

        var source = Directory.EnumerateFiles(Path.Combine(_options.LakeRoot, "bronze", "events"), "*.parquet", SearchOption.AllDirectories)
            .First(f => f.Contains("kind=click", StringComparison.Ordinal));
        var target = Path.Combine(Path.GetDirectoryName(source)!, $"part-extra-{Guid.NewGuid():N}.parquet");
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();

        // Benchmark-only: both paths are ours; COPY TO takes no parameter for its target.
        command.CommandText = $"COPY (SELECT * REPLACE (CAST(gen_random_uuid() AS VARCHAR) AS event_id) FROM read_parquet('{source.Replace("'", "''", StringComparison.Ordinal)}')) TO '{target.Replace("'", "''", StringComparison.Ordinal)}' (FORMAT parquet)";
        command.ExecuteNonQuery();
        _extraFiles.Add(target);
    }

    [Benchmark(Description = "incremental run (one new file on the merged set)")]
    public int IncrementalRun() => _engine!.RunAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult().GoldPartitionsWritten;

    [GlobalCleanup]
    public void Cleanup()
    {
        _engine?.Dispose();
        foreach (var file in _extraFiles)
        {
            File.Delete(file);
        }

        using var process = Process.GetCurrentProcess();
        Console.WriteLine($"// peak working set: {process.PeakWorkingSet64 / (1024 * 1024):N0} MiB");
    }
}
