using Affiliate.Sdk.Medallion.Sql;
using Affiliate.Sdk.PortableCore.Tests;

namespace Affiliate.Sdk.Databricks.Tests;

/// <summary>The bronze reject rules and the survivor choice of the portable core (both dialects), on hand-made bronze rows.</summary>
public sealed class BronzeRulesTests
{
    private const string Bronze = """
        CREATE TABLE bronze_events AS
        SELECT * FROM (VALUES
            ('f1', '0f8fad5b-d9cb-469f-a165-70867728950e', 'click', TIMESTAMP '2026-03-07 12:00:00', TIMESTAMP '2026-03-07 12:00:02', CAST(NULL AS VARCHAR)),
            ('f2', '0F8FAD5B-D9CB-469F-A165-70867728950E', 'click', TIMESTAMP '2026-03-07 12:00:00', TIMESTAMP '2026-03-07 12:00:01', NULL),
            ('f3', 'not-a-uuid', 'click', TIMESTAMP '2026-03-07 12:00:00', TIMESTAMP '2026-03-07 12:00:01', NULL),
            ('f4', '7c9e6679-7425-40de-944b-e07fc1f90ae7', 'view', TIMESTAMP '2026-03-07 12:00:00', TIMESTAMP '2026-03-07 12:00:01', NULL),
            ('f5', '7c9e6679-7425-40de-944b-e07fc1f90ae8', 'click', NULL, TIMESTAMP '2026-03-07 12:00:01', NULL),
            ('f6', '7c9e6679-7425-40de-944b-e07fc1f90ae9', 'conversion', TIMESTAMP '2026-03-07 12:00:00', TIMESTAMP '2026-03-07 12:00:01', 'refunded'),
            ('f7', '7c9e6679-7425-40de-944b-e07fc1f90aea', 'conversion', TIMESTAMP '2026-03-07 12:00:00', TIMESTAMP '2026-03-07 12:00:01', NULL)
        ) AS v (bronze_file, event_id, kind, occurred_at, received_at, status)
        CROSS JOIN (SELECT CAST(NULL AS VARCHAR) AS click_id, CAST(NULL AS VARCHAR) AS offer_id, CAST(NULL AS VARCHAR) AS affiliate_id,
            CAST(NULL AS VARCHAR) AS campaign_id, CAST(NULL AS VARCHAR) AS sub1, CAST(NULL AS VARCHAR) AS sub2, CAST(NULL AS VARCHAR) AS sub3,
            CAST(NULL AS VARCHAR) AS sub4, CAST(NULL AS VARCHAR) AS sub5, CAST(NULL AS VARCHAR) AS country, CAST(NULL AS VARCHAR) AS transaction_id,
            CAST(NULL AS DECIMAL(18,6)) AS sale_amount, CAST(NULL AS VARCHAR) AS sale_currency, CAST(NULL AS VARCHAR) AS ip_hash,
            CAST(NULL AS VARCHAR) AS user_agent, CAST(NULL AS BOOLEAN) AS is_bot)
        """;

    public static TheoryData<string> Dialects => [MedallionSqlDialect.Snowflake.Name, MedallionSqlDialect.Databricks.Name];

    [Theory]
    [MemberData(nameof(Dialects))]
    public void Unreadable_bronze_rows_are_kept_as_rejects_with_the_first_broken_rule_and_take_no_part_in_silver(string dialect)
    {
        var (rejects, survivors) = PortableCoreHarness.RunOnBronze(Model(dialect), Bronze);

        Assert.Equal(
        [
            ("not-a-uuid", "invalid_event_id"),
            ("7c9e6679-7425-40de-944b-e07fc1f90ae7", "invalid_kind"),
            ("7c9e6679-7425-40de-944b-e07fc1f90ae8", "missing_time"),
            ("7c9e6679-7425-40de-944b-e07fc1f90ae9", "invalid_status"),
        ], rejects);

        // The two spellings of one id are one event: the copy received first survives; a conversion without status is kept.
        Assert.Equal(
        [
            "0f8fad5b-d9cb-469f-a165-70867728950e@2026-03-07 12:00:01",
            "7c9e6679-7425-40de-944b-e07fc1f90aea@2026-03-07 12:00:01",
        ], survivors);
    }

    private static MedallionSqlModel Model(string dialect) => MedallionSqlModel.Create(
        AffiliateGenerators.Catalog,
        AffiliateGenerators.CreateMedallionOptions(),
        dialect == MedallionSqlDialect.Snowflake.Name ? MedallionSqlDialect.Snowflake : MedallionSqlDialect.Databricks);
}
