using Affiliate.Sdk.Events;
using Affiliate.Sdk.Lake.Parquet.Medallion;
using Affiliate.Sdk.Medallion;
using Affiliate.Sdk.Offers;
using Affiliate.Sdk.Pipeline;
using Xunit;

namespace Affiliate.Sdk.Testing;

/// <summary>
/// An engine under test with its lake: where bronze lands and how its gold is read back. For engines that write gold
/// Parquet into the lake (<c>gold/hourly|daily/</c>), the defaults are enough; override <see cref="ReadGoldAsync"/> for
/// engines that keep gold elsewhere (a database).
/// </summary>
public class MedallionEngineUnderTest : IAsyncDisposable
{
    private readonly Func<ValueTask>? _onDispose;

    /// <summary>Creates the engine under test.</summary>
    /// <param name="engine">The engine, configured with the catalog and options the suite gave.</param>
    /// <param name="lake">The lake's store the engine reads bronze from.</param>
    /// <param name="onDispose">Anything to stop or delete afterwards (the engine is disposed first if disposable).</param>
    public MedallionEngineUnderTest(IMedallionEngine engine, IBlobStore lake, Func<ValueTask>? onDispose = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(lake);
        Engine = engine;
        Lake = lake;
        _onDispose = onDispose;
    }

    /// <summary>The engine.</summary>
    public IMedallionEngine Engine { get; }

    /// <summary>The lake's store.</summary>
    public IBlobStore Lake { get; }

    /// <summary>Lands events in bronze (one new file per partition), as the stream-to-lake worker would.</summary>
    /// <param name="events">The events, duplicates allowed.</param>
    /// <param name="cancellationToken">Stops the write.</param>
    /// <returns>Completes when the files are committed.</returns>
    public virtual async ValueTask WriteBronzeAsync(IReadOnlyList<TrackingEvent> events, CancellationToken cancellationToken) =>
        await BronzeFiles.WriteAsync(Lake, events, cancellationToken).ConfigureAwait(false);

    /// <summary>Reads the engine's gold of one grain.</summary>
    /// <param name="grain">Hourly or daily.</param>
    /// <param name="cancellationToken">Stops the read.</param>
    /// <returns>Every gold row.</returns>
    public virtual async ValueTask<IReadOnlyDictionary<GoldKey, GoldMetrics>> ReadGoldAsync(GoldGrain grain, CancellationToken cancellationToken) =>
        await GoldParquet.ReadAsync(Lake, grain, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await DisposeAsyncCore().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    /// <summary>Disposes the engine, then runs the dispose callback.</summary>
    /// <returns>Completes when done.</returns>
    protected virtual async ValueTask DisposeAsyncCore()
    {
        await Disposal.DisposeAsync(Engine).ConfigureAwait(false);
        if (_onDispose is not null)
        {
            await _onDispose().ConfigureAwait(false);
        }
    }
}

/// <summary>
/// What every <see cref="IMedallionEngine"/> must do (docs/data-model.md): on generated event sets, the same hourly and
/// daily gold as <see cref="MedallionReference"/>, row for row; a re-run changes nothing; an at-least-once delivery in
/// batches (shuffled, repeated) gives the gold of its distinct events; cancellation leaves nothing half done.
/// Derive and implement <see cref="CreateEngineAsync"/>.
/// </summary>
public abstract class MedallionEngineConformanceTests
{
    /// <summary>Creates an engine over an empty lake, with the given catalog and medallion settings.</summary>
    /// <param name="catalog">The offer catalog the engine must use.</param>
    /// <param name="options">The report currency and rates the engine must use.</param>
    /// <param name="cancellationToken">Stops the call.</param>
    /// <returns>The engine under test; the suite disposes it.</returns>
    protected abstract ValueTask<MedallionEngineUnderTest> CreateEngineAsync(IOfferCatalog catalog, MedallionOptions options, CancellationToken cancellationToken);

    /// <summary>How many generated event sets each property runs.</summary>
    protected virtual int PropertyCases => 25;

    /// <summary>Gold equals the reference model's for any generated set of events.</summary>
    /// <returns>The test.</returns>
    [ConformanceFact]
    public Task Gold_equals_the_reference_model_on_generated_events() =>
        ConformanceProperty.CheckAsync(AffiliateGenerators.EventSet, PropertyCases, async events =>
        {
            var options = AffiliateGenerators.CreateMedallionOptions();
            var engine = await CreateEngineAsync(AffiliateGenerators.Catalog, options, default).ConfigureAwait(false);
            await using (engine.ConfigureAwait(false))
            {
                await engine.WriteBronzeAsync(events, default).ConfigureAwait(false);
                await engine.Engine.RunAsync(default).ConfigureAwait(false);

                await AssertGoldAsync(engine, ReferenceGold.Compute(events, AffiliateGenerators.Catalog, options)).ConfigureAwait(false);
            }
        });

    /// <summary>A second run with no new bronze reads nothing, writes nothing and leaves gold as it was.</summary>
    /// <returns>The test.</returns>
    [ConformanceFact]
    public Task Re_running_without_new_bronze_changes_nothing() =>
        ConformanceProperty.CheckAsync(AffiliateGenerators.EventSet, Math.Max(1, PropertyCases / 3), async events =>
        {
            var options = AffiliateGenerators.CreateMedallionOptions();
            var engine = await CreateEngineAsync(AffiliateGenerators.Catalog, options, default).ConfigureAwait(false);
            await using (engine.ConfigureAwait(false))
            {
                await engine.WriteBronzeAsync(events, default).ConfigureAwait(false);
                await engine.Engine.RunAsync(default).ConfigureAwait(false);
                var hourly = await engine.ReadGoldAsync(GoldGrain.Hour, default).ConfigureAwait(false);

                var rerun = await engine.Engine.RunAsync(default).ConfigureAwait(false);

                Assert.Equal(0, rerun.BronzeFilesProcessed);
                Assert.Equal(0, rerun.GoldPartitionsWritten);
                AssertGoldEqual(hourly, await engine.ReadGoldAsync(GoldGrain.Hour, default).ConfigureAwait(false), "hourly, after the re-run");
                await AssertGoldAsync(engine, ReferenceGold.Compute(events, AffiliateGenerators.Catalog, options)).ConfigureAwait(false);
            }
        });

    /// <summary>
    /// Delivering events in batches, shuffled and with repeats, with a run after each batch, gives the gold of the
    /// distinct events: the same as one batch in one run.
    /// </summary>
    /// <returns>The test.</returns>
    [ConformanceFact]
    public Task Incremental_batches_give_the_same_gold_as_one_batch() =>
        ConformanceProperty.CheckAsync(AffiliateGenerators.Delivery, PropertyCases, async delivery =>
        {
            var options = AffiliateGenerators.CreateMedallionOptions();
            var engine = await CreateEngineAsync(AffiliateGenerators.Catalog, options, default).ConfigureAwait(false);
            await using (engine.ConfigureAwait(false))
            {
                foreach (var batch in delivery.Batches)
                {
                    await engine.WriteBronzeAsync(batch, default).ConfigureAwait(false);
                    await engine.Engine.RunAsync(default).ConfigureAwait(false);
                }

                await AssertGoldAsync(engine, ReferenceGold.Compute(delivery.Events, AffiliateGenerators.Catalog, options)).ConfigureAwait(false);
            }
        });

    /// <summary>A run over an empty lake succeeds and produces no gold.</summary>
    /// <returns>The test.</returns>
    [ConformanceFact]
    public async Task A_run_over_an_empty_lake_produces_no_gold()
    {
        var engine = await CreateEngineAsync(AffiliateGenerators.Catalog, AffiliateGenerators.CreateMedallionOptions(), default).ConfigureAwait(false);
        await using (engine.ConfigureAwait(false))
        {
            var result = await engine.Engine.RunAsync(default).ConfigureAwait(false);

            Assert.Equal(0, result.BronzeFilesProcessed);
            Assert.Empty(await engine.ReadGoldAsync(GoldGrain.Hour, default).ConfigureAwait(false));
            Assert.Empty(await engine.ReadGoldAsync(GoldGrain.Day, default).ConfigureAwait(false));
        }
    }

    /// <summary>A run cancelled before it starts throws and leaves the new bronze for the next run, which gives the reference gold.</summary>
    /// <returns>The test.</returns>
    [ConformanceFact]
    public async Task A_cancelled_run_leaves_its_work_to_the_next_run()
    {
        var options = AffiliateGenerators.CreateMedallionOptions();
        var events = TestEvents.Mixed(60, offset: 0).Select(e => e with { OccurredAt = AffiliateGenerators.Base, ReceivedAt = AffiliateGenerators.Base }).ToList();
        events.Add(TestEvents.Click(1000, AffiliateGenerators.Base) with { OfferId = "o1" });
        events.Add(TestEvents.Conversion(1000, AffiliateGenerators.Base.AddHours(1)));
        var engine = await CreateEngineAsync(AffiliateGenerators.Catalog, options, default).ConfigureAwait(false);
        await using (engine.ConfigureAwait(false))
        {
            await engine.WriteBronzeAsync(events, default).ConfigureAwait(false);
            using (var cancelled = new CancellationTokenSource())
            {
                await cancelled.CancelAsync().ConfigureAwait(false);
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => engine.Engine.RunAsync(cancelled.Token).AsTask()).ConfigureAwait(false);
            }

            var result = await engine.Engine.RunAsync(default).ConfigureAwait(false);

            Assert.True(result.BronzeFilesProcessed > 0, "the run after a cancelled one found no new bronze: the cancelled run consumed it");
            await AssertGoldAsync(engine, ReferenceGold.Compute(events, AffiliateGenerators.Catalog, options)).ConfigureAwait(false);
        }
    }

    private static async Task AssertGoldAsync(MedallionEngineUnderTest engine, ReferenceGold expected)
    {
        AssertGoldEqual(expected.Hourly, await engine.ReadGoldAsync(GoldGrain.Hour, default).ConfigureAwait(false), "hourly");
        AssertGoldEqual(expected.Daily, await engine.ReadGoldAsync(GoldGrain.Day, default).ConfigureAwait(false), "daily");
    }

    private static void AssertGoldEqual(IReadOnlyDictionary<GoldKey, GoldMetrics> expected, IReadOnlyDictionary<GoldKey, GoldMetrics> actual, string what)
    {
        foreach (var (key, metrics) in expected)
        {
            Assert.True(actual.TryGetValue(key, out var got), $"{what} gold lacks the row {key}");
            Assert.True(metrics == got, $"{what} gold row {key}: expected {metrics}, got {got}");
        }

        foreach (var key in actual.Keys)
        {
            Assert.True(expected.ContainsKey(key), $"{what} gold has an unexpected row {key}: {actual[key]}");
        }
    }
}
