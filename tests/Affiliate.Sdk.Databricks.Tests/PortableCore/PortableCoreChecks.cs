using Affiliate.Sdk.Events;
using Affiliate.Sdk.Medallion;
using Affiliate.Sdk.Medallion.Sql;

namespace Affiliate.Sdk.PortableCore.Tests;

/// <summary>The checks every dialect's portable core must pass on DuckDB (shared by the Snowflake and Databricks tests).</summary>
public static class PortableCoreChecks
{
    /// <summary>
    /// Delivers the events (repeated, shuffled, in batches) to one lake; the in-process engine runs after every batch, the
    /// portable SQL once over all of bronze. Gold must match row for row, and also the reference model's; silver
    /// conversions must match the reference's (survivor, attributed click, reason, money).
    /// </summary>
    public static void AgreesWithInProcessEngineAndReference(MedallionSqlDialect dialect, IReadOnlyList<TrackingEvent> events, IReadOnlyList<IReadOnlyList<TrackingEvent>> batches)
    {
        using var harness = new PortableCoreHarness();
        var (hourly, daily) = harness.RunInProcessAsync(batches, AffiliateGenerators.Catalog, AffiliateGenerators.CreateMedallionOptions()).GetAwaiter().GetResult();
        var run = harness.RunPortableSql(MedallionSqlModel.Create(AffiliateGenerators.Catalog, AffiliateGenerators.CreateMedallionOptions(), dialect));

        AssertSameGold(hourly, run.Hourly, "in-process engine", GoldGrain.Hour);
        AssertSameGold(daily, run.Daily, "in-process engine", GoldGrain.Day);

        var delivered = batches.SelectMany(b => b).ToArray();
        var (referenceConversions, referenceHourly) = MedallionReference.Compute(delivered, AffiliateGenerators.Catalog, AffiliateGenerators.CreateMedallionOptions(), GoldGrain.Hour);
        AssertSameGold(referenceHourly, run.Hourly, "reference", GoldGrain.Hour);
        AssertSameGold(MedallionReference.Compute(delivered, AffiliateGenerators.Catalog, AffiliateGenerators.CreateMedallionOptions(), GoldGrain.Day).Gold, run.Daily, "reference", GoldGrain.Day);

        var expected = referenceConversions
            .Select(c => new PortableConversion(c.EventId, c.ClickEventId, c.Status, c.Revenue, c.Payout, c.Reason))
            .OrderBy(c => c.EventId.ToString("D"), StringComparer.Ordinal)
            .ToList();
        var actual = run.Conversions.OrderBy(c => c.EventId.ToString("D"), StringComparer.Ordinal).ToList();
        Assert.Equal(expected, actual);
        Assert.Equal(0, run.Rejects);
        _ = events;
    }

    /// <summary>Gold is a function of the set of distinct events: the set alone, and any delivery of it, give the same gold.</summary>
    public static void GoldIsOrderIndependent(MedallionSqlDialect dialect, IReadOnlyList<TrackingEvent> events, IReadOnlyList<IReadOnlyList<TrackingEvent>> batches)
    {
        var model = MedallionSqlModel.Create(AffiliateGenerators.Catalog, AffiliateGenerators.CreateMedallionOptions(), dialect);
        PortableRun once, delivered;
        using (var harness = new PortableCoreHarness())
        {
            harness.WriteBronzeAsync(events).GetAwaiter().GetResult();
            once = harness.RunPortableSql(model);
        }

        using (var harness = new PortableCoreHarness())
        {
            foreach (var batch in batches.Reverse())
            {
                harness.WriteBronzeAsync(batch).GetAwaiter().GetResult();
            }

            delivered = harness.RunPortableSql(model);
        }

        AssertSameGold(once.Hourly, delivered.Hourly, "the distinct set", GoldGrain.Hour);
        AssertSameGold(once.Daily, delivered.Daily, "the distinct set", GoldGrain.Day);
    }

    private static void AssertSameGold(
        IReadOnlyDictionary<GoldKey, GoldMetrics> expected, IReadOnlyDictionary<GoldKey, GoldMetrics> actual, string source, GoldGrain grain)
    {
        foreach (var (key, metrics) in expected)
        {
            Assert.True(actual.TryGetValue(key, out var other), $"{grain} gold row {key} of the {source} is missing from the portable SQL's gold");
            Assert.Equal(metrics, other);
        }

        Assert.Equal(expected.Count, actual.Count);
    }
}
