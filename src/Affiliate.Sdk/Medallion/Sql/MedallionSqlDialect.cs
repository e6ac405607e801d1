namespace Affiliate.Sdk.Medallion.Sql;

/// <summary>
/// The few places where the SQL engines differ, for the portable medallion SQL (<see cref="MedallionSqlModel"/>).
/// Everything else the model emits is a subset all three engines run the same: window functions, CASE, COALESCE,
/// DATE_TRUNC, exact DECIMAL arithmetic and inline VALUES.
/// </summary>
public abstract class MedallionSqlDialect
{
    private protected MedallionSqlDialect(string name) => Name = name;

    /// <summary>Snowflake: TIMESTAMP_NTZ times holding UTC, DATEDIFF for intervals, DIV0 for exact decimal division.</summary>
    public static MedallionSqlDialect Snowflake { get; } = new SnowflakeDialect();

    /// <summary>Databricks SQL (Lakeflow declarative pipelines): unix_micros for intervals, try_divide for exact decimal division.</summary>
    public static MedallionSqlDialect Databricks { get; } = new DatabricksDialect();

    /// <summary>The engine's name.</summary>
    public string Name { get; }

    /// <summary>The variable-length string type, for typed NULLs.</summary>
    internal abstract string StringType { get; }

    /// <summary>A DECIMAL type with a precision and scale.</summary>
    internal virtual string Decimal(int precision, int scale) => FormattableString.Invariant($"DECIMAL({precision},{scale})");

    /// <summary>Whole microseconds from one timestamp to a later one (negative when earlier).</summary>
    internal abstract string MicrosBetween(string from, string to);

    /// <summary>Exact decimal division (the divisor is never zero here); its last digits are corrected by the model.</summary>
    internal abstract string Divide(string dividend, string divisor);

    /// <summary>The start of the UTC hour holding a timestamp.</summary>
    internal virtual string HourStart(string timestamp) => $"DATE_TRUNC('HOUR', {timestamp})";

    /// <summary>The UTC date holding a timestamp.</summary>
    internal virtual string Date(string timestamp) => $"CAST(DATE_TRUNC('DAY', {timestamp}) AS DATE)";

    /// <inheritdoc />
    public override string ToString() => Name;

    private sealed class SnowflakeDialect() : MedallionSqlDialect("Snowflake")
    {
        internal override string StringType => "VARCHAR";

        // DATEDIFF takes the unit as a string literal too; on microseconds it is the exact difference.
        internal override string MicrosBetween(string from, string to) => $"DATEDIFF('microsecond', {from}, {to})";

        internal override string Divide(string dividend, string divisor) => $"DIV0({dividend}, {divisor})";
    }

    private sealed class DatabricksDialect() : MedallionSqlDialect("Databricks")
    {
        internal override string StringType => "STRING";

        internal override string MicrosBetween(string from, string to) => $"(unix_micros({to}) - unix_micros({from}))";

        internal override string Divide(string dividend, string divisor) => $"try_divide({dividend}, {divisor})";
    }
}
