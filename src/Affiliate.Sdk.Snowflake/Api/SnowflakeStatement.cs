using System.Globalization;

namespace Affiliate.Sdk.Snowflake;

/// <summary>One SQL statement for the SQL API, with its bind values for the <c>?</c> placeholders, in order.</summary>
public sealed class SnowflakeStatement
{
    /// <summary>Creates a statement.</summary>
    /// <param name="sql">The SQL text; values go in <paramref name="bindings"/>, never into the text.</param>
    /// <param name="bindings">Values of the <c>?</c> placeholders, first placeholder first.</param>
    public SnowflakeStatement(string sql, params IReadOnlyList<SnowflakeBinding> bindings)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        ArgumentNullException.ThrowIfNull(bindings);
        Sql = sql;
        Bindings = bindings;
    }

    /// <summary>The SQL text.</summary>
    public string Sql { get; }

    /// <summary>Values of the <c>?</c> placeholders, first placeholder first.</summary>
    public IReadOnlyList<SnowflakeBinding> Bindings { get; }

    /// <summary>Session parameters for this statement (for example <c>TIMEZONE</c> or <c>QUERY_TAG</c>).</summary>
    public IReadOnlyDictionary<string, string>? Parameters { get; init; }

    /// <summary>Overrides <see cref="SnowflakeOptions.StatementTimeout"/> for this statement.</summary>
    public TimeSpan? Timeout { get; init; }
}

/// <summary>
/// A typed bind value as the SQL API takes it: a Snowflake type name (<c>TEXT</c>, <c>FIXED</c>, <c>REAL</c>, <c>BOOLEAN</c>,
/// <c>DATE</c>, <c>TIME</c>, <c>TIMESTAMP_TZ</c>, <c>TIMESTAMP_LTZ</c>, <c>TIMESTAMP_NTZ</c>, <c>BINARY</c>) and the value as text.
/// </summary>
/// <param name="Type">The Snowflake type name.</param>
/// <param name="Value">The value in the type's text form; <see langword="null"/> binds SQL NULL.</param>
public readonly record struct SnowflakeBinding(string Type, string? Value)
{
    /// <summary>A string (TEXT).</summary>
    /// <param name="value">The value, or <see langword="null"/> for NULL.</param>
    /// <returns>The binding.</returns>
    public static SnowflakeBinding Text(string? value) => new("TEXT", value);

    /// <summary>An exact number (FIXED), written in invariant culture.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The binding.</returns>
    public static SnowflakeBinding Fixed(long value) => new("FIXED", value.ToString(CultureInfo.InvariantCulture));

    /// <summary>An exact decimal number (FIXED), written in invariant culture without exponent.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The binding.</returns>
    public static SnowflakeBinding Fixed(decimal value) => new("FIXED", value.ToString(CultureInfo.InvariantCulture));

    /// <summary>A floating-point number (REAL), written so that it reads back to the same double.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The binding.</returns>
    public static SnowflakeBinding Real(double value) => new("REAL", value.ToString("R", CultureInfo.InvariantCulture));

    /// <summary>A BOOLEAN.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The binding.</returns>
    public static SnowflakeBinding Boolean(bool value) => new("BOOLEAN", value ? "true" : "false");

    /// <summary>A DATE, as <c>YYYY-MM-DD</c>.</summary>
    /// <param name="value">The date.</param>
    /// <returns>The binding.</returns>
    public static SnowflakeBinding Date(DateOnly value) => new("DATE", value.ToString("yyyy'-'MM'-'dd", CultureInfo.InvariantCulture));

    /// <summary>A TIME, as <c>HH:MI:SS.FFFFFFF</c>.</summary>
    /// <param name="value">The time of day.</param>
    /// <returns>The binding.</returns>
    public static SnowflakeBinding Time(TimeOnly value) => new("TIME", value.ToString("HH':'mm':'ss'.'fffffff", CultureInfo.InvariantCulture));

    /// <summary>An instant with its offset (TIMESTAMP_TZ), as ISO-8601 with the offset, e.g. <c>2026-11-01T05:00:00.0000000+00:00</c>.</summary>
    /// <param name="value">The instant.</param>
    /// <returns>The binding.</returns>
    public static SnowflakeBinding TimestampTz(DateTimeOffset value) =>
        new("TIMESTAMP_TZ", value.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffzzz", CultureInfo.InvariantCulture));

    /// <summary>A wall-clock time without zone (TIMESTAMP_NTZ); a UTC instant binds its UTC wall clock.</summary>
    /// <param name="value">The time stamp.</param>
    /// <returns>The binding.</returns>
    public static SnowflakeBinding TimestampNtz(DateTimeOffset value) =>
        new("TIMESTAMP_NTZ", value.UtcDateTime.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffff", CultureInfo.InvariantCulture));

    /// <summary>Bytes (BINARY), as upper-case hex.</summary>
    /// <param name="value">The bytes.</param>
    /// <returns>The binding.</returns>
    public static SnowflakeBinding Binary(ReadOnlySpan<byte> value) => new("BINARY", Convert.ToHexString(value));

    /// <summary>SQL NULL of the given type.</summary>
    /// <param name="type">The Snowflake type name, e.g. <c>TEXT</c>.</param>
    /// <returns>The binding.</returns>
    public static SnowflakeBinding Null(string type) => new(type, null);
}
