using System.Globalization;
using System.Numerics;

namespace Affiliate.Sdk.Snowflake;

/// <summary>
/// Converts values from the SQL API's text encoding (<c>jsonv2</c>) to .NET: <c>fixed</c> → <see cref="decimal"/>
/// (<see cref="BigInteger"/> beyond its range), <c>real</c> → <see cref="double"/>, <c>boolean</c> → <see cref="bool"/>,
/// <c>date</c> → <see cref="DateOnly"/>, <c>time</c> → <see cref="TimeOnly"/>, <c>timestamp_*</c> → UTC
/// <see cref="DateTimeOffset"/>, <c>binary</c> → <see cref="byte"/>[], everything else → <see cref="string"/>.
/// </summary>
public static class SnowflakeValues
{
    private const long TicksPerSecond = TimeSpan.TicksPerSecond;

    /// <summary>Converts one value of a column.</summary>
    /// <param name="column">The column (its type decides the conversion).</param>
    /// <param name="value">The value as the SQL API sent it; <see langword="null"/> for SQL NULL.</param>
    /// <returns>The .NET value, or <see langword="null"/>.</returns>
    /// <exception cref="FormatException">The text is not in the type's documented encoding.</exception>
    public static object? Convert(SnowflakeColumn column, string? value)
    {
        ArgumentNullException.ThrowIfNull(column);
        if (value is null)
        {
            return null;
        }

        return column.Type.ToLowerInvariant() switch
        {
            "fixed" or "number" or "decfloat" => Number(value),
            "real" or "float" or "double" => Real(value),
            "boolean" => Boolean(value),
            "date" => Date(value),
            "time" => TimeOfDay(value),
            "timestamp_ntz" or "timestamp_ltz" => EpochSeconds(value),
            "timestamp_tz" => TimestampTz(value),
            "binary" => System.Convert.FromHexString(value),
            _ => value,
        };
    }

    /// <summary>Converts every value of a row.</summary>
    /// <param name="columns">The columns.</param>
    /// <param name="row">The row's values in the SQL API's encoding.</param>
    /// <returns>The .NET values.</returns>
    public static object?[] ConvertRow(IReadOnlyList<SnowflakeColumn> columns, string?[] row)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(row);
        var values = new object?[row.Length];
        for (var i = 0; i < row.Length; i++)
        {
            values[i] = i < columns.Count ? Convert(columns[i], row[i]) : row[i];
        }

        return values;
    }

    private static object Number(string value)
    {
        if (decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
        {
            return d;
        }

        if (BigInteger.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var big))
        {
            return big;
        }

        throw new FormatException($"'{value}' is not a Snowflake FIXED value that fits a decimal.");
    }

    private static double Real(string value) => value switch
    {
        "NaN" => double.NaN,
        "inf" or "Infinity" => double.PositiveInfinity,
        "-inf" or "-Infinity" => double.NegativeInfinity,
        _ => double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    private static bool Boolean(string value) => value switch
    {
        "true" or "TRUE" or "1" => true,
        "false" or "FALSE" or "0" => false,
        _ => throw new FormatException($"'{value}' is not a Snowflake BOOLEAN value."),
    };

    /// <summary>DATE: whole days since 1970-01-01.</summary>
    private static DateOnly Date(string value) =>
        DateOnly.FromDayNumber(DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber + int.Parse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture));

    /// <summary>TIME: seconds since midnight with up to nine fraction digits.</summary>
    private static TimeOnly TimeOfDay(string value) => new(SecondsToTicks(value));

    /// <summary>TIMESTAMP_NTZ / _LTZ: seconds since the epoch with up to nine fraction digits (NTZ's wall clock read as UTC).</summary>
    private static DateTimeOffset EpochSeconds(string value) => new(DateTime.UnixEpoch.Ticks + SecondsToTicks(value), TimeSpan.Zero);

    /// <summary>TIMESTAMP_TZ: epoch seconds, a space, then the offset in minutes plus 1440; returned as the UTC instant.</summary>
    private static DateTimeOffset TimestampTz(string value)
    {
        var space = value.IndexOf(' ', StringComparison.Ordinal);
        var instant = EpochSeconds(space < 0 ? value : value[..space]);
        if (space >= 0 && (!int.TryParse(value.AsSpan(space + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var encoded) || encoded > 2 * 1440))
        {
            throw new FormatException($"'{value}' is not a Snowflake TIMESTAMP_TZ value (seconds and offset + 1440).");
        }

        return instant;
    }

    /// <summary>Exact parse of a decimal number of seconds to 100 ns ticks (digits below 100 ns are floored).</summary>
    private static long SecondsToTicks(string value)
    {
        var seconds = decimal.Parse(value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
        return (long)decimal.Floor(seconds * TicksPerSecond);
    }
}
