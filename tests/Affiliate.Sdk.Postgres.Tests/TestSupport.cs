using Affiliate.Sdk.Events;
using Affiliate.Sdk.Lake.Parquet;
using Affiliate.Sdk.Pipeline;

namespace Affiliate.Sdk.Postgres.Tests
{
    using Affiliate.Sdk.DuckDb;
    using Affiliate.Sdk.Lake.Parquet.Medallion;
    using Affiliate.Sdk.Medallion;

    /// <summary>A lake (and DuckDB engine state) in a fresh temp directory with both engines over it; deleted on dispose.</summary>
    public sealed class Lake : IDisposable
    {
        private int _flushes;

        public Lake()
        {
            Directory.CreateDirectory(Root);
            DuckDbOptions = new DuckDbMedallionOptions
            {
                LakeRoot = Path.Combine(Root, "lake"),
                StateDirectory = Path.Combine(Root, "state"),
                Threads = 1,
            };
            Store = new LocalDiskBlobStore(DuckDbOptions.LakeRoot);
            InProcess = new InProcessMedallionEngine(Store, AffiliateGenerators.Catalog, AffiliateGenerators.CreateMedallionOptions());
        }

        public string Root { get; } = Path.Combine(Path.GetTempPath(), "affiliate-postgres-tests", "lake-" + Guid.NewGuid().ToString("N"));

        public DuckDbMedallionOptions DuckDbOptions { get; }

        public IBlobStore Store { get; }

        public InProcessMedallionEngine InProcess { get; }

        /// <summary>Writes events to bronze through the real lake writer and runs the in-process engine (gold Parquet).</summary>
        public async Task AddAsync(IEnumerable<TrackingEvent> events)
        {
            var landedAt = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(Interlocked.Increment(ref _flushes));
            await BronzeFiles.WriteAsync(Store, events, landedAt, CancellationToken.None);

            await InProcess.RunAsync(CancellationToken.None);
        }

        public DuckDbMedallionEngine CreateDuckDbEngine() =>
            new(Microsoft.Extensions.Options.Options.Create(DuckDbOptions), Microsoft.Extensions.Options.Options.Create(AffiliateGenerators.CreateMedallionOptions()), AffiliateGenerators.Catalog);

        public DuckDbReportClient CreateDuckDbReportClient() => new(Microsoft.Extensions.Options.Options.Create(DuckDbOptions));

        public PostgresGoldLoader CreateLoader(PostgresServer server, string schema) =>
            new(server.DataSource, Store, Microsoft.Extensions.Options.Options.Create(new PostgresReportsOptions { ConnectionString = server.ConnectionString, Schema = schema }));

        public void Dispose()
        {
            try
            {
                Directory.Delete(Root, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    public static class Pg
    {
        public static PostgresReportClient Client(PostgresServer server, string schema) =>
            new(server.DataSource, Microsoft.Extensions.Options.Options.Create(new PostgresReportsOptions { ConnectionString = server.ConnectionString, Schema = schema }));

        /// <summary>Every row of a table as text, sorted: a snapshot to compare before and after.</summary>
        public static async Task<List<string>> SnapshotAsync(PostgresServer server, string schema, string table)
        {
            await using var command = server.DataSource.CreateCommand($"SELECT t::text FROM \"{schema}\".{table} AS t");
            await using var reader = await command.ExecuteReaderAsync();
            var rows = new List<string>();
            while (await reader.ReadAsync())
            {
                rows.Add(reader.GetString(0));
            }

            rows.Sort(StringComparer.Ordinal);
            return rows;
        }

        public static async Task<object?> ScalarAsync(PostgresServer server, string sql)
        {
            await using var command = server.DataSource.CreateCommand(sql);
            return await command.ExecuteScalarAsync();
        }

        public static Dictionary<GoldKey, GoldMetrics> LakeGold(IBlobStore store, GoldGrain grain) =>
            new(GoldParquet.ReadAsync(store, grain, CancellationToken.None).GetAwaiter().GetResult());
    }
}
