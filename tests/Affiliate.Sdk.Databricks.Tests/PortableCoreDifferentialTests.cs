using Affiliate.Sdk.Medallion.Sql;
using Affiliate.Sdk.PortableCore.Tests;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Affiliate.Sdk.Databricks.Tests;

/// <summary>The Databricks dialect's portable silver and gold SELECTs, run on DuckDB, against the in-process engine and the reference.</summary>
public sealed class PortableCoreDifferentialTests
{
    [Property(MaxTest = 25)]
    public Property Databricks_portable_sql_on_duckdb_produces_the_in_process_engines_gold_row_for_row() =>
        Prop.ForAll(AffiliateGenerators.Delivery.ToArbitrary(), delivery =>
            PortableCoreChecks.AgreesWithInProcessEngineAndReference(MedallionSqlDialect.Databricks, delivery.Events, delivery.Batches));

    [Property(MaxTest = 15)]
    public Property Databricks_portable_gold_does_not_depend_on_arrival_order_duplicates_or_batches() =>
        Prop.ForAll(AffiliateGenerators.Delivery.ToArbitrary(), delivery =>
            PortableCoreChecks.GoldIsOrderIndependent(MedallionSqlDialect.Databricks, delivery.Events, delivery.Batches));
}
