using Affiliate.Sdk.Reports;
using Affiliate.Sdk.Testing;

namespace Affiliate.Sdk.Lake.Parquet.Tests;

/// <summary>
/// The Parquet report client passes the report client conformance suite over gold Parquet the in-process engine wrote
/// to a local-disk lake.
/// </summary>
public sealed class ParquetReportClientConformanceTests : ReportClientConformanceTests, IDisposable
{
    private readonly Dictionary<IReportClient, TempDirectory> _lakes = [];

    protected override async ValueTask<IReportClient> CreateClientAsync(ReportGold gold, CancellationToken cancellationToken)
    {
        var directory = new TempDirectory();
        var lake = new LocalDiskBlobStore(directory.Path);
        await gold.WriteLakeAsync(lake, cancellationToken);
        var client = new ParquetReportClient(lake);
        _lakes.Add(client, directory);
        return client;
    }

    protected override async ValueTask ReleaseClientAsync(IReportClient client)
    {
        await base.ReleaseClientAsync(client);
        if (_lakes.Remove(client, out var directory))
        {
            directory.Dispose();
        }
    }

    public void Dispose()
    {
        foreach (var directory in _lakes.Values)
        {
            directory.Dispose();
        }
    }
}
