using Affiliate.Sdk.Events;
using Affiliate.Sdk.Medallion;
using Affiliate.Sdk.Medallion.Sql;
using Affiliate.Sdk.PortableCore.Tests;

namespace Affiliate.Sdk.Databricks.Tests;

/// <summary>The portable core's inputs: what it refuses, and edge cases of the catalog.</summary>
public sealed class MedallionSqlModelTests
{
    [Fact]
    public void A_rate_with_more_decimal_places_than_sql_keeps_exactly_is_refused_naming_the_setting()
    {
        var options = new MedallionOptions { ReportCurrency = "USD" };
        options.ExchangeRates["EUR"] = 1.08000000001m;
        var e = Assert.Throws<ArgumentException>(() => MedallionSqlModel.Create(AffiliateGenerators.Catalog, options, MedallionSqlDialect.Snowflake));
        Assert.Contains("AffiliateSdk:Medallion:ExchangeRates:EUR", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Trailing_zeros_do_not_count_as_decimal_places()
    {
        var options = new MedallionOptions { ReportCurrency = "USD" };
        options.ExchangeRates["EUR"] = 1.0800000000000000m;
        var sql = MedallionSqlModel.Create(AffiliateGenerators.Catalog, options, MedallionSqlDialect.Snowflake).SilverConversions;
        Assert.Contains("('EUR', CAST(1.08 AS DECIMAL(18,10)))", sql, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("EURO")]
    [InlineData("E'R")]
    public void A_currency_that_is_not_a_three_letter_code_is_refused(string currency)
    {
        var catalog = new TestOfferCatalog(TestOfferCatalog.Flat("o1", 1m, 1m, currency));
        var e = Assert.Throws<ArgumentException>(() => MedallionSqlModel.Create(catalog, AffiliateGenerators.CreateMedallionOptions(), MedallionSqlDialect.Databricks));
        Assert.Contains("offer 'o1'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_schema_that_is_not_made_of_identifiers_is_refused()
    {
        Assert.Throws<ArgumentException>(() => MedallionSqlModel.Create(AffiliateGenerators.Catalog, AffiliateGenerators.CreateMedallionOptions(), MedallionSqlDialect.Snowflake, "DB.SCH; DROP"));
        Assert.Equal("DB.SCH.gold_daily", MedallionSqlModel.Create(AffiliateGenerators.Catalog, AffiliateGenerators.CreateMedallionOptions(), MedallionSqlDialect.Snowflake, "DB.SCH").Qualify(MedallionSqlTables.GoldDaily));
    }

    [Fact]
    public void A_catalog_larger_than_one_values_clause_is_split_into_union_all_blocks()
    {
        var catalog = new TestOfferCatalog([.. Enumerable.Range(0, 20_001).Select(i => TestOfferCatalog.Flat("o" + i, 1m, 0.5m))]);
        var sql = MedallionSqlModel.Create(catalog, AffiliateGenerators.CreateMedallionOptions(), MedallionSqlDialect.Snowflake).SilverConversions;
        Assert.Equal(3, sql.Split("SELECT * FROM (VALUES").Length - 1 - 1); // three offer blocks, one rates block
        Assert.Equal(2, sql.Split("UNION ALL").Length - 1);
    }

    [Fact]
    public async Task With_an_empty_catalog_every_conversion_is_kept_unattributed_and_gold_counts_only_traffic()
    {
        var click = new TrackingEvent
        {
            EventId = Guid.NewGuid(), Kind = EventKind.Click, OccurredAt = AffiliateGenerators.Base, ReceivedAt = AffiliateGenerators.Base,
            ClickId = "c1", OfferId = "o1", AffiliateId = "a1",
        };
        var conversion = new TrackingEvent
        {
            EventId = Guid.NewGuid(), Kind = EventKind.Conversion, OccurredAt = AffiliateGenerators.Base.AddMinutes(1),
            ReceivedAt = AffiliateGenerators.Base.AddMinutes(1), ClickId = "c1", Status = ConversionStatus.Approved,
        };
        using var harness = new PortableCoreHarness();
        await harness.WriteBronzeAsync([click, conversion]);
        var run = harness.RunPortableSql(MedallionSqlModel.Create(new TestOfferCatalog(), AffiliateGenerators.CreateMedallionOptions(), MedallionSqlDialect.Databricks));

        var kept = Assert.Single(run.Conversions);
        Assert.Equal(UnattributedReason.UnknownOffer, kept.Reason);
        Assert.Null(kept.ClickEventId);
        var row = Assert.Single(run.Hourly);
        Assert.Equal(GoldMetrics.Zero with { Clicks = 1, UniqueClicks = 1 }, row.Value);
    }

    [Theory]
    [InlineData("snowflake")]
    [InlineData("databricks")]
    public void The_largest_sale_in_a_strong_currency_on_a_weak_currency_offer_converts_exactly(string dialect)
    {
        // o4 takes a revenue share in JPY: the largest USD sale is ~1.5e14 JPY, beyond a DECIMAL(19,6) intermediate.
        var click = new TrackingEvent
        {
            EventId = Guid.NewGuid(), Kind = EventKind.Click, OccurredAt = AffiliateGenerators.Base, ReceivedAt = AffiliateGenerators.Base,
            ClickId = "c-big", OfferId = "o4", AffiliateId = "a1",
        };
        var conversion = new TrackingEvent
        {
            EventId = Guid.NewGuid(), Kind = EventKind.Conversion, OccurredAt = AffiliateGenerators.Base.AddMinutes(1),
            ReceivedAt = AffiliateGenerators.Base.AddMinutes(1), ClickId = "c-big", Status = ConversionStatus.Approved,
            SaleAmount = new Money(Money.MaxAbsoluteAmount, "USD"),
        };
        TrackingEvent[] events = [click, conversion];

        PortableCoreChecks.AgreesWithInProcessEngineAndReference(
            dialect == "snowflake" ? MedallionSqlDialect.Snowflake : MedallionSqlDialect.Databricks, events, [events]);
    }
}
