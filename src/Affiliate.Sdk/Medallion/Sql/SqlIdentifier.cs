namespace Affiliate.Sdk.Medallion.Sql;

/// <summary>
/// Validation of names and text written into generated SQL. Names are restricted to the subset every engine reads the
/// same without quoting (<c>[A-Za-z_][A-Za-z0-9_]*</c>), so nothing in an option can change the statement around it.
/// </summary>
public static class SqlIdentifier
{
    /// <summary>Longest identifier accepted (Snowflake and Databricks both allow 255).</summary>
    public const int MaxLength = 255;

    /// <summary>Whether a name is a plain identifier.</summary>
    /// <param name="name">The name.</param>
    /// <returns><see langword="true"/> for <c>[A-Za-z_][A-Za-z0-9_]*</c> up to <see cref="MaxLength"/> characters.</returns>
    public static bool IsValid(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxLength || !(char.IsAsciiLetter(name[0]) || name[0] == '_'))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Throws when a name is not a plain identifier.</summary>
    /// <param name="name">The name.</param>
    /// <param name="setting">The setting it came from, named in the message.</param>
    /// <exception cref="ArgumentException">The name is not a plain identifier.</exception>
    public static void ThrowIfInvalid(string? name, string setting)
    {
        if (!IsValid(name))
        {
            throw new ArgumentException($"{setting} is '{name}': expected an identifier of letters, digits and '_' not starting with a digit.", setting);
        }
    }

    /// <summary>Throws when a dotted name (<c>db.schema</c>) has a part that is not a plain identifier.</summary>
    /// <param name="name">The dotted name.</param>
    /// <param name="setting">The setting it came from, named in the message.</param>
    /// <exception cref="ArgumentException">A part is not a plain identifier.</exception>
    public static void ThrowIfInvalidQualified(string? name, string setting)
    {
        if (string.IsNullOrEmpty(name) || !name.Split('.').All(IsValid))
        {
            throw new ArgumentException($"{setting} is '{name}': expected identifiers of letters, digits and '_' separated by '.'.", setting);
        }
    }

    /// <summary>
    /// A single-quoted string literal that reads the same in Snowflake, Databricks and DuckDB: quotes are doubled, and
    /// backslashes and control characters (escapes in some engines, not in others) are refused.
    /// </summary>
    /// <param name="value">The text.</param>
    /// <param name="what">What the text is, named in the message.</param>
    /// <returns>The literal, quotes included.</returns>
    /// <exception cref="ArgumentException">The text holds a backslash or a control character.</exception>
    public static string StringLiteral(string value, string what)
    {
        ArgumentNullException.ThrowIfNull(value);
        foreach (var c in value)
        {
            if (c == '\\' || char.IsControl(c))
            {
                throw new ArgumentException($"{what} holds a backslash or a control character, which SQL engines read differently in string literals.", nameof(value));
            }
        }

        return "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
    }
}
