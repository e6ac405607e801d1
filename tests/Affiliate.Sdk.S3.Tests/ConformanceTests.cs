using Affiliate.Sdk.DuckDb;
using Affiliate.Sdk.DuckDb.Tests;
using Affiliate.Sdk.Lake.Parquet.Medallion;
using Affiliate.Sdk.Medallion;
using Affiliate.Sdk.Offers;
using Affiliate.Sdk.Pipeline;
using Affiliate.Sdk.Testing;

namespace Affiliate.Sdk.S3.Tests;

/// <summary>
/// The S3 store passes the blob store conformance suite on s3rver, each test under a fresh prefix. A page of seven keys
/// makes the listing test cross many ListObjectsV2 pages with few objects.
/// </summary>
[Collection(S3ServerGroup.Name)]
[RequiresS3rver]
public sealed class S3BlobStoreConformanceTests(S3rverFixture s3) : BlobStoreConformanceTests
{
    protected override int ListingKeyCount => 60;

    protected override int RoundTripCases => 15;

    // s3rver walks its folder tree to list, so "events-b/…" comes after "events/…" (S3 itself lists by key bytes).
    protected override bool ListsKeysExtendingAFolderName => false;

    protected override ValueTask<IBlobStore> CreateStoreAsync(CancellationToken cancellationToken)
    {
        var options = s3.Options();
        options.ListPageSize = 7;
        return ValueTask.FromResult<IBlobStore>(new S3BlobStore(options));
    }
}

/// <summary>
/// The in-process medallion engine passes the medallion engine conformance suite with its lake on s3rver: bronze
/// written by the lake writer, manifest, lookup state and gold Parquet all as S3 objects, each case under a fresh
/// prefix. Pages of five keys make every listing the engine does cross ListObjectsV2 pages.
/// </summary>
[Collection(S3ServerGroup.Name)]
[RequiresS3rver]
public sealed class S3InProcessMedallionEngineConformanceTests(S3rverFixture s3) : MedallionEngineConformanceTests
{
    // Every case makes dozens of S3 round trips; fewer cases than on local disk keep the suite quick.
    protected override int PropertyCases => 8;

    protected override ValueTask<MedallionEngineUnderTest> CreateEngineAsync(IOfferCatalog catalog, MedallionOptions options, CancellationToken cancellationToken)
    {
        var lakeOptions = s3.Options();
        lakeOptions.ListPageSize = 5;
        var lake = new S3BlobStore(lakeOptions);
        var engine = new InProcessMedallionEngine(lake, catalog, options, new InProcessMedallionOptions { RowGroupRows = 7 });
        return ValueTask.FromResult(new MedallionEngineUnderTest(engine, lake, () =>
        {
            lake.Dispose();
            return ValueTask.CompletedTask;
        }));
    }
}

/// <summary>
/// The DuckDB engine passes the medallion engine conformance suite with bronze on s3rver
/// (<see cref="DuckDbBronzeSource.BlobStore"/>): each run mirrors new bronze objects into its local cache, merges them,
/// then deletes them from the cache; gold is read from its state database.
/// </summary>
[Collection(S3ServerGroup.Name)]
[RequiresS3rver]
public sealed class S3DuckDbMedallionEngineConformanceTests(S3rverFixture s3) : MedallionEngineConformanceTests
{
    protected override int PropertyCases => 8;

    protected override ValueTask<MedallionEngineUnderTest> CreateEngineAsync(IOfferCatalog catalog, MedallionOptions options, CancellationToken cancellationToken)
    {
        var lakeOptions = s3.Options();
        lakeOptions.ListPageSize = 5;
        var lake = new S3BlobStore(lakeOptions);
        var root = Path.Combine(Path.GetTempPath(), "affiliate-s3-duckdb-tests", Guid.NewGuid().ToString("N"));
        var duckDb = new DuckDbMedallionOptions
        {
            BronzeSource = DuckDbBronzeSource.BlobStore,
            StateDirectory = Path.Combine(root, "state"),
            Threads = 1,
        };
        var engine = new DuckDbMedallionEngine(
            Microsoft.Extensions.Options.Options.Create(duckDb), Microsoft.Extensions.Options.Options.Create(options), catalog, bronzeStore: lake);
        return ValueTask.FromResult<MedallionEngineUnderTest>(new DuckDbOnS3(engine, lake, duckDb, root));
    }

    private sealed class DuckDbOnS3(DuckDbMedallionEngine engine, S3BlobStore lake, DuckDbMedallionOptions options, string root)
        : MedallionEngineUnderTest(engine, lake, () =>
        {
            lake.Dispose();
            Directory.Delete(root, recursive: true);
            return ValueTask.CompletedTask;
        })
    {
        public override ValueTask<IReadOnlyDictionary<GoldKey, GoldMetrics>> ReadGoldAsync(GoldGrain grain, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IReadOnlyDictionary<GoldKey, GoldMetrics>>(EngineState.Gold(options, grain));
    }
}

/// <summary>Skips the conformance suite, with the reason, where s3rver cannot run (never under CI=true).</summary>
public sealed class RequiresS3rverAttribute : ConformanceSkipAttribute
{
    public override string? Reason =>
        !S3rverInstall.IsCi && S3rverInstall.MissingReason() is { } reason ? "S3 test server unavailable: " + reason : null;
}
