using System.Diagnostics.CodeAnalysis;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.Lake.Parquet;
using Affiliate.Sdk.Offers;
using Affiliate.Sdk.Pipeline;

namespace Affiliate.Sdk.DuckDb.Tests
{
    /// <summary>An offer catalog held in memory (exact id match); the linked generators use it.</summary>
    public sealed class TestCatalog(params Offer[] offers) : IOfferCatalog
    {
        private readonly Dictionary<string, Offer> _offers = offers.ToDictionary(o => o.Id, StringComparer.Ordinal);

        public IReadOnlyCollection<Offer> Offers => _offers.Values;

        public IReadOnlyCollection<Advertiser> Advertisers => [];

        public bool TryGetOffer(string offerId, [NotNullWhen(true)] out Offer? offer) => _offers.TryGetValue(offerId, out offer);

        public bool TryGetAdvertiser(string advertiserId, [NotNullWhen(true)] out Advertiser? advertiser)
        {
            advertiser = null;
            return false;
        }

        public static Offer Flat(string id, decimal revenue, decimal payout, string currency = "USD", TimeSpan? window = null) => new()
        {
            Id = id,
            AdvertiserId = "adv",
            UrlTemplate = "https://example.com/?c={click_id}",
            Currency = currency,
            Revenue = new CommissionRule(CommissionKind.Flat, revenue),
            Payout = new CommissionRule(CommissionKind.Flat, payout),
            AttributionWindow = window ?? TimeSpan.FromDays(30),
        };

        public static Offer Share(string id, decimal revenuePercent, decimal payoutPercent, string currency = "USD", TimeSpan? window = null) => new()
        {
            Id = id,
            AdvertiserId = "adv",
            UrlTemplate = "https://example.com/?c={click_id}",
            Currency = currency,
            Revenue = new CommissionRule(CommissionKind.RevenueShare, revenuePercent),
            Payout = new CommissionRule(CommissionKind.RevenueShare, payoutPercent),
            AttributionWindow = window ?? TimeSpan.FromDays(30),
        };
    }
}

namespace Affiliate.Sdk.Postgres.Tests
{
    using Affiliate.Sdk.DuckDb;
    using Affiliate.Sdk.DuckDb.Tests;
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
            var clock = new FixedClock(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(Interlocked.Increment(ref _flushes)));
            await using (var writer = new ParquetLakeWriter(Store, new ParquetLakeOptions { Root = DuckDbOptions.LakeRoot }, clock))
            {
                var records = events
                    .Select((e, i) => new BronzeRecord(e, new IngestionInfo("test", "0", i.ToString(System.Globalization.CultureInfo.InvariantCulture), clock.GetUtcNow())))
                    .ToList();
                await writer.AppendAsync(records, [], CancellationToken.None);
                await writer.FlushAsync(CancellationToken.None);
            }

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

        private sealed class FixedClock(DateTimeOffset now) : TimeProvider
        {
            public override DateTimeOffset GetUtcNow() => now;
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
