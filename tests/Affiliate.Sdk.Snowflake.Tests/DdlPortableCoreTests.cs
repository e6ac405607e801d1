using Affiliate.Sdk.Medallion.Sql;
using Affiliate.Sdk.PortableCore.Tests;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Affiliate.Sdk.Snowflake.Tests;

/// <summary>The silver and gold SELECTs of the Snowflake dynamic tables, run on DuckDB, against the in-process engine and the reference.</summary>
public sealed class DdlPortableCoreTests
{
    [Property(MaxTest = 25)]
    public Property Snowflake_portable_sql_on_duckdb_produces_the_in_process_engines_gold_row_for_row() =>
        Prop.ForAll(AffiliateGenerators.Delivery.ToArbitrary(), delivery =>
            PortableCoreChecks.AgreesWithInProcessEngineAndReference(MedallionSqlDialect.Snowflake, delivery.Events, delivery.Batches));

    [Property(MaxTest = 15)]
    public Property Snowflake_portable_gold_does_not_depend_on_arrival_order_duplicates_or_batches() =>
        Prop.ForAll(AffiliateGenerators.Delivery.ToArbitrary(), delivery =>
            PortableCoreChecks.GoldIsOrderIndependent(MedallionSqlDialect.Snowflake, delivery.Events, delivery.Batches));
}
