using Affiliate.Sdk.Events;
using Affiliate.Sdk.Lake.Parquet.Medallion;
using Affiliate.Sdk.Medallion;
using Affiliate.Sdk.Offers;
using Affiliate.Sdk.Pipeline;
using Affiliate.Sdk.Reports;
using FsCheck.Fluent;
using Xunit;

namespace Affiliate.Sdk.Testing;

/// <summary>
/// The gold a report client under test must answer from, in every form a client may load it: the events with their catalog
/// and settings (to run an engine), the gold rows themselves, or a lake holding bronze, silver and gold Parquet.
/// </summary>
public sealed class ReportGold
{
    /// <summary>Creates the gold of a set of events with the reference model.</summary>
    /// <param name="events">Every bronze event, duplicates included.</param>
    /// <param name="catalog">The offer catalog.</param>
    /// <param name="options">Report currency and rates.</param>
    public ReportGold(IReadOnlyList<TrackingEvent> events, IOfferCatalog catalog, MedallionOptions options)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        Events = events;
        Catalog = catalog;
        Options = options;
        Reference = ReferenceGold.Compute(events, catalog, options);
    }

    /// <summary>The bronze events (duplicates included).</summary>
    public IReadOnlyList<TrackingEvent> Events { get; }

    /// <summary>The offer catalog an engine must use for them.</summary>
    public IOfferCatalog Catalog { get; }

    /// <summary>The medallion settings an engine must use for them.</summary>
    public MedallionOptions Options { get; }

    /// <summary>Hourly gold rows (UTC hours).</summary>
    public IReadOnlyDictionary<GoldKey, GoldMetrics> Hourly => Reference.Hourly;

    /// <summary>Daily gold rows (UTC dates).</summary>
    public IReadOnlyDictionary<GoldKey, GoldMetrics> Daily => Reference.Daily;

    /// <summary>The reference gold and its freshness.</summary>
    public ReferenceGold Reference { get; }

    /// <summary>Lands the events in a lake's bronze (Parquet), for clients whose engine reads bronze.</summary>
    /// <param name="lake">The lake's store.</param>
    /// <param name="cancellationToken">Stops the write.</param>
    /// <returns>Completes when the files are committed.</returns>
    public async Task WriteBronzeAsync(IBlobStore lake, CancellationToken cancellationToken) =>
        await BronzeFiles.WriteAsync(lake, Events, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Lands the events in bronze and runs the in-process engine over them, so the lake holds silver and gold Parquet
    /// (<c>gold/hourly|daily/dt=…/</c>), for clients that read gold from the lake.
    /// </summary>
    /// <param name="lake">The lake's store.</param>
    /// <param name="cancellationToken">Stops the work.</param>
    /// <returns>Completes when gold is committed.</returns>
    public async Task WriteLakeAsync(IBlobStore lake, CancellationToken cancellationToken)
    {
        await WriteBronzeAsync(lake, cancellationToken).ConfigureAwait(false);
        await new InProcessMedallionEngine(lake, Catalog, Options).RunAsync(cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>
/// What every <see cref="IReportClient"/> must do (docs/reports.md): for generated queries over generated gold, the same
/// rows (in order, limited) and totals as <see cref="ReportReference"/>; filter values that look like SQL are data; invalid
/// queries are refused naming the problem. Derive and implement <see cref="CreateClientAsync"/>.
/// </summary>
public abstract class ReportClientConformanceTests
{
    /// <summary>Creates a client answering from the given gold (load the rows, a lake, or run an engine over the events).</summary>
    /// <param name="gold">The gold.</param>
    /// <param name="cancellationToken">Stops the call.</param>
    /// <returns>The client; the suite releases it with <see cref="ReleaseClientAsync"/>.</returns>
    protected abstract ValueTask<IReportClient> CreateClientAsync(ReportGold gold, CancellationToken cancellationToken);

    /// <summary>Releases a client after a test (by default disposes it when disposable). Override to delete what the factory made.</summary>
    /// <param name="client">The client.</param>
    /// <returns>Completes when released.</returns>
    protected virtual ValueTask ReleaseClientAsync(IReportClient client) => Disposal.DisposeAsync(client);

    /// <summary>How many generated gold sets the property loads.</summary>
    protected virtual int GoldCases => 10;

    /// <summary>How many generated queries run against each gold set.</summary>
    protected virtual int QueriesPerGold => 12;

    /// <summary>Whether the client reports <see cref="ReportResult.Freshness"/> as the newest event time in gold.</summary>
    protected virtual bool ReportsFreshness => true;

    /// <summary>Rows (order and limit included) and totals equal the reference evaluator's for generated gold and queries.</summary>
    /// <returns>The test.</returns>
    [ConformanceFact]
    public Task Answers_equal_the_reference_evaluator_on_generated_gold_and_queries()
    {
        var cases =
            from events in AffiliateGenerators.EventSet
            from queries in Gen.ArrayOf(AffiliateGenerators.ReportQueries, QueriesPerGold)
            select (Events: events, Queries: queries);
        return ConformanceProperty.CheckAsync(cases, GoldCases, async c =>
        {
            var gold = new ReportGold(c.Events, AffiliateGenerators.Catalog, AffiliateGenerators.CreateMedallionOptions());
            await WithClientAsync(gold, async client =>
            {
                foreach (var query in c.Queries)
                {
                    var expected = ReportReference.Evaluate(query, gold.Hourly, gold.Daily, freshness: null);
                    var actual = await client.QueryAsync(query, default).ConfigureAwait(false);
                    AssertSameAnswer(query, expected, actual);
                }
            }).ConfigureAwait(false);
        });
    }

    /// <summary>Order, limit, totals over every matching row, ratios and freshness on a small known gold.</summary>
    /// <returns>The test.</returns>
    [ConformanceFact]
    public async Task Order_limit_and_totals_over_every_matching_row()
    {
        var at = new DateTimeOffset(2026, 3, 5, 10, 0, 0, TimeSpan.Zero);
        var events = new List<TrackingEvent>();
        foreach (var (affiliate, clicks) in new[] { ("a1", 3), ("a2", 5), ("a3", 1), ("a4", 4) })
        {
            for (var i = 0; i < clicks; i++)
            {
                events.Add(Click(at.AddMinutes(i), affiliate, ip: "ip" + i));
            }

            events.Add(Impression(at, affiliate));
        }

        events.Add(ConversionOf(events[0], TimeSpan.FromHours(1)));
        var gold = new ReportGold(events, AffiliateGenerators.Catalog, AffiliateGenerators.CreateMedallionOptions());
        await WithClientAsync(gold, async client =>
        {
            var result = await client.QueryAsync(
                new ReportQuery
                {
                    From = new(2026, 3, 1), To = new(2026, 3, 31), Grain = ReportGrain.Total, GroupBy = [ReportDimension.Affiliate],
                    OrderBy = [new ReportSort("clicks", Descending: true)], Limit = 2,
                },
                default).ConfigureAwait(false);

            Assert.Equal(["a2", "a4"], result.Rows.Select(r => r.Dimensions[ReportDimension.Affiliate]));
            Assert.Equal(13m, result.Totals[ReportMetric.Clicks]);
            Assert.Equal(4m, result.Totals[ReportMetric.Impressions]);
            Assert.Equal(10m, result.Totals[ReportMetric.Revenue]);
            Assert.Equal(2.5m, result.Totals[ReportMetric.Profit]);
            Assert.Equal(0.076923m, result.Totals[ReportMetric.ConversionRate]);
            Assert.Equal(0.576923m, result.Totals[ReportMetric.EarningsPerClick]);
            Assert.Equal(3.25m, result.Totals[ReportMetric.ClickThroughRate]);
            if (ReportsFreshness)
            {
                Assert.Equal(at.AddHours(1), result.Freshness);
            }
        }).ConfigureAwait(false);
    }

    /// <summary>Filter values that look like SQL are only compared as data.</summary>
    /// <returns>The test.</returns>
    [ConformanceFact]
    public async Task Filter_values_that_look_like_sql_are_only_data()
    {
        var at = new DateTimeOffset(2026, 3, 5, 10, 0, 0, TimeSpan.Zero);
        const string Nasty = "x'); DROP TABLE gold_daily; --";
        var gold = new ReportGold([Click(at, "a1", sub1: Nasty), Click(at, "a1", sub1: "plain")], AffiliateGenerators.Catalog, AffiliateGenerators.CreateMedallionOptions());
        await WithClientAsync(gold, async client =>
        {
            static ReportQuery Filtered(string value) => new()
            {
                From = new(2026, 3, 5), To = new(2026, 3, 5), GroupBy = [ReportDimension.Sub1],
                Filters = new Dictionary<ReportDimension, IReadOnlyList<string>> { [ReportDimension.Sub1] = [value] },
            };

            var exact = await client.QueryAsync(Filtered(Nasty), default).ConfigureAwait(false);
            var injection = await client.QueryAsync(Filtered("' OR '1'='1"), default).ConfigureAwait(false);
            var after = await client.QueryAsync(Filtered("plain"), default).ConfigureAwait(false);

            Assert.Equal(Nasty, Assert.Single(exact.Rows).Dimensions[ReportDimension.Sub1]);
            Assert.Empty(injection.Rows);
            Assert.Equal(0m, injection.Totals[ReportMetric.Clicks]);
            Assert.Single(after.Rows);
        }).ConfigureAwait(false);
    }

    /// <summary>Invalid queries throw <see cref="ArgumentException"/> whose message names the part of the query at fault.</summary>
    /// <returns>The test.</returns>
    [ConformanceFact]
    public async Task Invalid_queries_are_refused_naming_the_problem()
    {
        var gold = new ReportGold([], AffiliateGenerators.Catalog, AffiliateGenerators.CreateMedallionOptions());
        var day = new DateOnly(2026, 3, 5);
        (ReportQuery Query, string Problem)[] cases =
        [
            (new ReportQuery { From = day, To = day.AddDays(-1) }, "to:"),
            (new ReportQuery { From = day, To = day, TimeZone = "Mars/Olympus" }, "tz:"),
            (new ReportQuery { From = day, To = day, Limit = 0 }, "limit:"),
            (new ReportQuery { From = day, To = day, OrderBy = [new ReportSort("clicks; DROP TABLE x")] }, "orderBy: unknown column 'clicks; DROP TABLE x'"),
            (new ReportQuery { From = day, To = day, OrderBy = [new ReportSort("sub2")] }, "orderBy: 'sub2' is not in groupBy"),
            (new ReportQuery { From = day, To = day, GroupBy = [ReportDimension.Offer, ReportDimension.Offer] }, "groupBy:"),
            (new ReportQuery { From = day, To = day, Filters = new Dictionary<ReportDimension, IReadOnlyList<string>> { [ReportDimension.Country] = [] } }, "filter.country:"),
        ];
        await WithClientAsync(gold, async client =>
        {
            foreach (var (query, problem) in cases)
            {
                var error = await Assert.ThrowsAnyAsync<ArgumentException>(() => client.QueryAsync(query, default).AsTask()).ConfigureAwait(false);
                Assert.Contains(problem, error.Message, StringComparison.Ordinal);
            }
        }).ConfigureAwait(false);
    }

    private static void AssertSameAnswer(ReportQuery query, ReportResult expected, ReportResult actual)
    {
        var e = expected.Rows.Select(ReportReference.Describe).ToList();
        var a = actual.Rows.Select(ReportReference.Describe).ToList();
        Assert.True(
            e.SequenceEqual(a, StringComparer.Ordinal),
            $"rows differ for {Describe(query)}\nexpected: {string.Join(" || ", e)}\nactual:   {string.Join(" || ", a)}");
        Assert.True(
            ReportReference.Describe(expected.Totals) == ReportReference.Describe(actual.Totals),
            $"totals differ for {Describe(query)}\nexpected: {ReportReference.Describe(expected.Totals)}\nactual:   {ReportReference.Describe(actual.Totals)}");
    }

    private static string Describe(ReportQuery q) =>
        $"{q.From:yyyy-MM-dd}..{q.To:yyyy-MM-dd} tz={q.TimeZone} grain={q.Grain} groupBy=[{string.Join(",", q.GroupBy.Select(ReportNames.Of))}] "
        + $"filters=[{string.Join(";", q.Filters.Select(f => ReportNames.Of(f.Key) + "=" + string.Join("|", f.Value)))}] "
        + $"metrics=[{string.Join(",", q.Metrics.Select(ReportNames.Of))}] orderBy=[{string.Join(",", q.OrderBy.Select(s => s.Column + (s.Descending ? " desc" : "")))}] limit={q.Limit}";

    private static TrackingEvent Click(DateTimeOffset at, string affiliate, string? sub1 = null, string? ip = "ip") => new()
    {
        EventId = Guid.CreateVersion7(at), Kind = EventKind.Click, OccurredAt = at, ReceivedAt = at, ClickId = Guid.NewGuid().ToString("N"),
        OfferId = "o1", AffiliateId = affiliate, Sub1 = sub1, IpHash = ip,
    };

    private static TrackingEvent Impression(DateTimeOffset at, string affiliate) => new()
    {
        EventId = Guid.CreateVersion7(at), Kind = EventKind.Impression, OccurredAt = at, ReceivedAt = at, OfferId = "o1", AffiliateId = affiliate,
    };

    private static TrackingEvent ConversionOf(TrackingEvent click, TimeSpan after) => new()
    {
        EventId = Guid.CreateVersion7(click.OccurredAt + after), Kind = EventKind.Conversion, OccurredAt = click.OccurredAt + after,
        ReceivedAt = click.OccurredAt + after, ClickId = click.ClickId, TransactionId = Guid.NewGuid().ToString("N"), Status = ConversionStatus.Approved,
    };

    private async Task WithClientAsync(ReportGold gold, Func<IReportClient, Task> test)
    {
        var client = await CreateClientAsync(gold, default).ConfigureAwait(false);
        try
        {
            await test(client).ConfigureAwait(false);
        }
        finally
        {
            await ReleaseClientAsync(client).ConfigureAwait(false);
        }
    }
}
