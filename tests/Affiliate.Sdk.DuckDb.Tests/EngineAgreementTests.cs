using Affiliate.Sdk.Lake.Parquet;
using Affiliate.Sdk.Lake.Parquet.Medallion;
using Affiliate.Sdk.Medallion;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Affiliate.Sdk.DuckDb.Tests;

/// <summary>The two embedded engines side by side on one lake: same deliveries, same runs, the same gold row for row.</summary>
public sealed class EngineAgreementTests
{
    [Property(MaxTest = 25)]
    public Property DuckDb_and_in_process_engines_produce_identical_gold_after_every_run() =>
        Prop.ForAll(AffiliateGenerators.Delivery.ToArbitrary(), AssertAgreement);

    [Property(MaxTest = 25)]
    public Property Engines_agree_when_duplicates_land_in_other_days_hours_and_batches() =>
        Prop.ForAll(AffiliateGenerators.CrossPartitionDelivery.ToArbitrary(), AssertAgreement);

    private static void AssertAgreement(EventDelivery delivery)
    {
        using var workspace = new Workspace();
        using var duckDb = workspace.CreateEngine(AffiliateGenerators.Catalog, AffiliateGenerators.CreateMedallionOptions());
        var lake = new LocalDiskBlobStore(workspace.Options.LakeRoot);
        var inProcess = new InProcessMedallionEngine(lake, AffiliateGenerators.Catalog, AffiliateGenerators.CreateMedallionOptions());

        foreach (var batch in delivery.Batches)
        {
            workspace.WriteBronzeAsync(batch).GetAwaiter().GetResult();
            duckDb.RunAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
            inProcess.RunAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();

            foreach (var grain in new[] { GoldGrain.Hour, GoldGrain.Day })
            {
                var fromDuckDb = EngineState.Gold(workspace.Options, grain);
                var fromInProcess = GoldParquet.ReadAsync(lake, grain, CancellationToken.None).GetAwaiter().GetResult();
                Assert.Equal(fromDuckDb.Count, fromInProcess.Count);
                foreach (var (key, metrics) in fromDuckDb)
                {
                    Assert.True(fromInProcess.TryGetValue(key, out var other), $"{grain} gold row {key} is only in the DuckDB engine's gold");
                    Assert.Equal(metrics, other);
                }
            }
        }
    }
}
