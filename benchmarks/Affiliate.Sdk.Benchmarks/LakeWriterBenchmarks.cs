using System.Globalization;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.Lake.Parquet;
using Affiliate.Sdk.Pipeline;
using BenchmarkDotNet.Attributes;
using DuckDB.NET.Data;

namespace Affiliate.Sdk.Benchmarks;

/// <summary>
/// Bronze rows into Parquet: the lake writer (buffer, encode, write, fsync and rename through the local-disk store)
/// against DuckDB's native <c>COPY … TO '….parquet' (FORMAT parquet)</c> of the same rows from an in-memory table.
/// Results are per event.
/// </summary>
[MemoryDiagnoser]
public class LakeWriterBenchmarks
{
    private const int Events = 100_000;
    private List<BronzeRecord> _rows = [];
    private string _dir = string.Empty;
    private DuckDBConnection? _duck;
    private int _run;

    [GlobalSetup]
    public void Setup()
    {
        _dir = Path.Combine(Path.GetTempPath(), "affiliate-lake-bench", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        var start = new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);
        var random = new Random(42);
        _rows = new List<BronzeRecord>(Events);
        for (var i = 0; i < Events; i++)
        {
            var kind = (EventKind)(1 + (i % 3 == 0 ? 0 : i % 10 == 1 ? 2 : 1));
            var occurred = start.AddMilliseconds(random.Next(3_600_000)).AddTicks(random.Next(10_000));
            var e = new TrackingEvent
            {
                EventId = Guid.CreateVersion7(occurred),
                Kind = kind,
                OccurredAt = occurred,
                ReceivedAt = occurred.AddMilliseconds(random.Next(500)),
                ClickId = "clk_" + random.NextInt64().ToString("x16", CultureInfo.InvariantCulture),
                OfferId = "offer-" + random.Next(50).ToString(CultureInfo.InvariantCulture),
                AffiliateId = "aff-" + random.Next(500).ToString(CultureInfo.InvariantCulture),
                CampaignId = random.Next(4) == 0 ? null : "camp-" + random.Next(20).ToString(CultureInfo.InvariantCulture),
                Sub1 = "s" + random.Next(1000).ToString(CultureInfo.InvariantCulture),
                Sub2 = random.Next(2) == 0 ? null : "mobile",
                TransactionId = kind == EventKind.Conversion ? "T-" + i.ToString(CultureInfo.InvariantCulture) : null,
                Status = kind == EventKind.Conversion ? ConversionStatus.Approved : null,
                SaleAmount = kind == EventKind.Conversion ? new Money(random.Next(1, 100_000) / 100m, "USD") : null,
                Payout = kind == EventKind.Conversion ? new Money(random.Next(1, 5_000) / 100m, "USD") : null,
                IpHash = random.NextInt64().ToString("x16", CultureInfo.InvariantCulture),
                UserAgent = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/13" + random.Next(10).ToString(CultureInfo.InvariantCulture) + ".0 Mobile Safari/537.36",
                Country = random.Next(3) switch { 0 => "US", 1 => "DE", _ => "BR" },
                Referrer = random.Next(3) == 0 ? null : "https://news.example.com/article/" + random.Next(10_000).ToString(CultureInfo.InvariantCulture),
                IsBot = random.Next(50) == 0,
            };
            _rows.Add(new BronzeRecord(e, new IngestionInfo("local_log", "0", i.ToString(CultureInfo.InvariantCulture), occurred.AddSeconds(1))));
        }

        // The same rows, with the same column types, in an in-memory DuckDB table: written once by the lake writer and loaded.
        var seed = new LocalDiskBlobStore(Path.Combine(_dir, "seed"));
        var writer = new ParquetLakeWriter(seed, new ParquetLakeOptions());
        writer.AppendAsync(_rows, [], default).AsTask().GetAwaiter().GetResult();
        writer.FlushAsync(default).AsTask().GetAwaiter().GetResult();
        _duck = new DuckDBConnection("DataSource=:memory:");
        _duck.Open();
        using var command = _duck.CreateCommand();
        command.CommandText = "CREATE TABLE bronze AS SELECT * FROM read_parquet($glob, hive_partitioning = false)";
        command.Parameters.Add(new DuckDBParameter("glob", Path.Combine(seed.RootPath, "bronze", "events", "**", "*.parquet")));
        command.ExecuteNonQuery();
        command.Parameters.Clear();
        command.CommandText = "SELECT count(*) FROM bronze";
        if (Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) != Events)
        {
            throw new InvalidOperationException("The DuckDB table does not hold every row.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _duck?.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>DuckDB's native Parquet writer (C++, multi-threaded) from an in-memory table.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Events)]
    public void DuckDbCopyToParquet()
    {
        var path = Path.Combine(_dir, $"duck-{_run++}.parquet");
        using var command = _duck!.CreateCommand();
        // COPY takes no parameter for its target; the path is ours (a temp folder and a counter), never user text.
        command.CommandText = $"COPY bronze TO '{path.Replace("'", "''", StringComparison.Ordinal)}' (FORMAT parquet)";
        command.ExecuteNonQuery();
    }

    /// <summary>The lake writer: buffer per partition, encode, write, fsync and atomically commit.</summary>
    [Benchmark(OperationsPerInvoke = Events)]
    public async Task LakeWriterAppendAndFlush()
    {
        var store = new LocalDiskBlobStore(Path.Combine(_dir, $"lake-{_run++}"));
        var writer = new ParquetLakeWriter(store, new ParquetLakeOptions());
        await writer.AppendAsync(_rows, [], default);
        await writer.FlushAsync(default);
        await writer.DisposeAsync();
    }

    [IterationCleanup]
    public void IterationCleanup()
    {
        foreach (var entry in Directory.EnumerateFileSystemEntries(_dir))
        {
            if (Path.GetFileName(entry).StartsWith("duck-", StringComparison.Ordinal))
            {
                File.Delete(entry);
            }
            else if (Path.GetFileName(entry).StartsWith("lake-", StringComparison.Ordinal))
            {
                Directory.Delete(entry, recursive: true);
            }
        }
    }
}
