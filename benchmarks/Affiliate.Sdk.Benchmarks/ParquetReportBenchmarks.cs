using System.Globalization;
using Affiliate.Sdk.DuckDb;
using Affiliate.Sdk.Lake.Parquet;
using Affiliate.Sdk.Lake.Parquet.Medallion;
using Affiliate.Sdk.Reports;
using BenchmarkDotNet.Attributes;

namespace Affiliate.Sdk.Benchmarks;

/// <summary>
/// The Parquet report client (no database) against the DuckDB one, on the same generated bronze (30 days, 200 affiliates,
/// 50 offers, written by the lake writer):
/// the DuckDB engine's gold for <see cref="DuckDbReportClient"/> (baseline), the in-process engine's gold Parquet in the
/// same lake for <see cref="ParquetReportClient"/>. The two engines' gold is equal row for row (engine agreement tests).
/// Run: BENCH_EVENTS=300000 dotnet run -c Release --project benchmarks/Affiliate.Sdk.Benchmarks -- --filter '*ParquetReport*' --job short --inProcess
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class ParquetReportBenchmarks
{
    private static readonly ReportQuery PerAffiliate = new()
    {
        From = new(2026, 10, 1), To = new(2026, 10, 30), Grain = ReportGrain.Total, GroupBy = [ReportDimension.Affiliate],
    };

    private static readonly ReportQuery PerAffiliateByDayNewYork = PerAffiliate with { Grain = ReportGrain.Day, TimeZone = "America/New_York" };

    private readonly string _root = Path.Combine(Path.GetTempPath(), "affiliate-parquet-report-bench");
    private DuckDbReportClient _duckDb = null!;
    private ParquetReportClient _parquet = null!;

    /// <summary>Bronze events behind the gold.</summary>
    public int Events { get; } = int.TryParse(Environment.GetEnvironmentVariable("BENCH_EVENTS"), CultureInfo.InvariantCulture, out var n) ? n : 300_000;

    [GlobalSetup]
    public void Setup()
    {
        // Bronze through the lake writer (the in-process engine reads the lake writer's column contract).
        var lakeRoot = Path.Combine(_root, "lake-" + Events.ToString(CultureInfo.InvariantCulture));
        var lake = new LocalDiskBlobStore(lakeRoot);
        if (!Directory.Exists(Path.Combine(lakeRoot, "bronze")))
        {
            MedallionBenchData.WriteBronzeAsync(lake, Events, days: 30, seed: 11, firstIndex: 0).GetAwaiter().GetResult();
        }

        var run = MedallionBenchData.Engine(lake).RunAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
        Console.WriteLine($"// in-process medallion run: {run.BronzeFilesProcessed} files, {run.Elapsed.TotalSeconds:F1} s");

        // The DuckDB engine reads only bronze/ of the same lake and keeps its gold in its own database.
        var options = new DuckDbMedallionOptions { LakeRoot = lakeRoot, StateDirectory = Path.Combine(_root, "duckdb-state-" + Events.ToString(CultureInfo.InvariantCulture)) };
        using (var engine = new DuckDbMedallionEngine(
            Microsoft.Extensions.Options.Options.Create(options), Microsoft.Extensions.Options.Options.Create(MedallionBenchData.Medallion), MedallionBenchData.Catalog))
        {
            var duck = engine.RunAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
            Console.WriteLine($"// DuckDB medallion run: {duck.BronzeFilesProcessed} files, {duck.Elapsed.TotalSeconds:F1} s");
        }

        _duckDb = new DuckDbReportClient(Microsoft.Extensions.Options.Options.Create(options));
        _parquet = new ParquetReportClient(lake);
    }

    [GlobalCleanup]
    public void Cleanup() => _duckDb.Dispose();

    [Benchmark(Baseline = true, Description = "DuckDB: 30-day per-affiliate (UTC)")]
    public int DuckDbPerAffiliate() => Run(_duckDb, PerAffiliate);

    [Benchmark(Description = "Parquet: 30-day per-affiliate (UTC)")]
    public int ParquetPerAffiliate() => Run(_parquet, PerAffiliate);

    [Benchmark(Description = "DuckDB: 30-day per-affiliate by day (America/New_York)")]
    public int DuckDbPerAffiliateByDayNewYork() => Run(_duckDb, PerAffiliateByDayNewYork);

    [Benchmark(Description = "Parquet: 30-day per-affiliate by day (America/New_York)")]
    public int ParquetPerAffiliateByDayNewYork() => Run(_parquet, PerAffiliateByDayNewYork);

    private static int Run(IReportClient client, ReportQuery query) => client.QueryAsync(query, CancellationToken.None).AsTask().GetAwaiter().GetResult().Rows.Count;
}
