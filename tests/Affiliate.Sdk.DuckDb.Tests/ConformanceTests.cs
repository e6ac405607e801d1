using Affiliate.Sdk.Lake.Parquet;
using Affiliate.Sdk.Medallion;
using Affiliate.Sdk.Offers;
using Affiliate.Sdk.Reports;

namespace Affiliate.Sdk.DuckDb.Tests;

/// <summary>The DuckDB engine passes the medallion engine conformance suite; gold is read from its state database.</summary>
public sealed class DuckDbMedallionEngineConformanceTests : MedallionEngineConformanceTests
{
    // MedallionEngineTests already runs the reference property on this engine with silver checks; keep CI time bounded.
    protected override int PropertyCases => 15;

    protected override ValueTask<MedallionEngineUnderTest> CreateEngineAsync(IOfferCatalog catalog, MedallionOptions options, CancellationToken cancellationToken)
    {
        var workspace = new Workspace();
        return ValueTask.FromResult<MedallionEngineUnderTest>(new DuckDbEngineUnderTest(workspace, workspace.CreateEngine(catalog, options)));
    }

    private sealed class DuckDbEngineUnderTest(Workspace workspace, DuckDbMedallionEngine engine)
        : MedallionEngineUnderTest(engine, new LocalDiskBlobStore(workspace.Options.LakeRoot), () =>
        {
            workspace.Dispose();
            return ValueTask.CompletedTask;
        })
    {
        public override ValueTask<IReadOnlyDictionary<GoldKey, GoldMetrics>> ReadGoldAsync(GoldGrain grain, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IReadOnlyDictionary<GoldKey, GoldMetrics>>(EngineState.Gold(workspace.Options, grain));
    }
}

/// <summary>The DuckDB report client passes the report client conformance suite over gold its engine computed from the events.</summary>
public sealed class DuckDbReportClientConformanceTests : ReportClientConformanceTests
{
    private readonly Dictionary<IReportClient, Workspace> _workspaces = [];

    protected override async ValueTask<IReportClient> CreateClientAsync(ReportGold gold, CancellationToken cancellationToken)
    {
        var workspace = new Workspace();
        using (var engine = workspace.CreateEngine(gold.Catalog, gold.Options))
        {
            await workspace.WriteBronzeAsync(gold.Events);
            await engine.RunAsync(cancellationToken);
        }

        var client = workspace.CreateReportClient();
        _workspaces.Add(client, workspace);
        return client;
    }

    protected override async ValueTask ReleaseClientAsync(IReportClient client)
    {
        await base.ReleaseClientAsync(client);
        if (_workspaces.Remove(client, out var workspace))
        {
            workspace.Dispose();
        }
    }
}
