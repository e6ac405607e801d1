using System.Globalization;
using Affiliate.Sdk.DuckDb;
using Affiliate.Sdk.Reports;
using BenchmarkDotNet.Attributes;

namespace Affiliate.Sdk.Benchmarks;

/// <summary>
/// Report latency over gold built from a generated bronze set (30 days, 100 affiliates). The baseline is the 30-day
/// total; the target is the 30-day per-affiliate breakdown (one row per affiliate), p50 ≤ 50 ms (the Median column).
/// Run: dotnet run -c Release --project benchmarks/Affiliate.Sdk.Benchmarks -- --filter '*DuckDbReport*' --job short --inProcess
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class DuckDbReportBenchmarks
{
    private static readonly ReportQuery Total = new() { From = new(2026, 10, 1), To = new(2026, 10, 30), Grain = ReportGrain.Total };

    private static readonly ReportQuery PerAffiliate = Total with { GroupBy = [ReportDimension.Affiliate] };

    private static readonly ReportQuery PerAffiliateByDay = PerAffiliate with { Grain = ReportGrain.Day };

    private static readonly ReportQuery PerAffiliateByDayNewYork = PerAffiliateByDay with { TimeZone = "America/New_York" };

    private readonly string _root = Path.Combine(Path.GetTempPath(), "affiliate-duckdb-bench", "report");
    private DuckDbReportClient _client = null!;

    /// <summary>Bronze events behind the gold tables.</summary>
    public int Events { get; } = int.TryParse(Environment.GetEnvironmentVariable("BENCH_EVENTS"), CultureInfo.InvariantCulture, out var n) ? n : 1_000_000;

    [GlobalSetup]
    public void Setup()
    {
        var options = new DuckDbMedallionOptions
        {
            LakeRoot = DuckDbBenchData.LakePath(_root, Events),
            StateDirectory = Path.Combine(_root, "state-v2-" + Events.ToString(CultureInfo.InvariantCulture)),
        };
        if (!Directory.Exists(options.LakeRoot))
        {
            DuckDbBenchData.Generate(options.LakeRoot, Events);
        }

        using (var engine = DuckDbBenchData.Engine(options))
        {
            var run = engine.RunAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
            using var process = System.Diagnostics.Process.GetCurrentProcess();
            Console.WriteLine($"// medallion run over {Events:N0} events: {run.Elapsed.TotalSeconds:F1} s, {run.BronzeFilesProcessed} files, peak working set {process.PeakWorkingSet64 / (1024 * 1024):N0} MiB");
        }

        _client = new DuckDbReportClient(Microsoft.Extensions.Options.Options.Create(options));
    }

    [GlobalCleanup]
    public void Cleanup() => _client.Dispose();

    [Benchmark(Baseline = true, Description = "30-day total (UTC)")]
    public int ThirtyDayTotal() => Run(Total);

    [Benchmark(Description = "30-day per-affiliate breakdown (UTC)")]
    public int ThirtyDayPerAffiliate() => Run(PerAffiliate);

    [Benchmark(Description = "30-day per-affiliate by day (UTC, 3000 rows)")]
    public int ThirtyDayPerAffiliateByDay() => Run(PerAffiliateByDay);

    [Benchmark(Description = "30-day per-affiliate by day (America/New_York, hourly gold)")]
    public int ThirtyDayPerAffiliateByDayNewYork() => Run(PerAffiliateByDayNewYork);

    private int Run(ReportQuery query) => _client.QueryAsync(query, CancellationToken.None).AsTask().GetAwaiter().GetResult().Rows.Count;
}
