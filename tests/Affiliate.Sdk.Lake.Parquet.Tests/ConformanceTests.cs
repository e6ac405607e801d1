using Affiliate.Sdk.Lake.Parquet.Medallion;
using Affiliate.Sdk.Medallion;
using Affiliate.Sdk.Offers;
using Affiliate.Sdk.Pipeline;
using Affiliate.Sdk.Testing;

namespace Affiliate.Sdk.Lake.Parquet.Tests;

/// <summary>The local-disk store passes the blob store conformance suite, each test in a fresh directory.</summary>
public sealed class LocalDiskBlobStoreConformanceTests : BlobStoreConformanceTests, IDisposable
{
    private readonly List<TempDirectory> _directories = [];

    protected override ValueTask<IBlobStore> CreateStoreAsync(CancellationToken cancellationToken)
    {
        var directory = new TempDirectory();
        _directories.Add(directory);
        return ValueTask.FromResult<IBlobStore>(new LocalDiskBlobStore(directory.Path));
    }

    public void Dispose() => _directories.ForEach(d => d.Dispose());
}

/// <summary>The in-process engine passes the medallion engine conformance suite over a local-disk lake.</summary>
public sealed class InProcessMedallionEngineConformanceTests : MedallionEngineConformanceTests
{
    protected override ValueTask<MedallionEngineUnderTest> CreateEngineAsync(IOfferCatalog catalog, MedallionOptions options, CancellationToken cancellationToken)
    {
        var directory = new TempDirectory();
        var lake = new LocalDiskBlobStore(directory.Path);
        var engine = new InProcessMedallionEngine(lake, catalog, options, new InProcessMedallionOptions { RowGroupRows = 7 });
        return ValueTask.FromResult(new MedallionEngineUnderTest(engine, lake, () =>
        {
            directory.Dispose();
            return ValueTask.CompletedTask;
        }));
    }
}
