using System.Text.RegularExpressions;

namespace Affiliate.Sdk.Snowflake.Reports;

/// <summary>Identifiers from settings: checked against the unquoted-identifier grammar, upper-cased as Snowflake resolves them, and quoted.</summary>
internal static partial class SnowflakeIdentifier
{
    /// <summary>Whether a (possibly dotted) name is made of plain identifiers.</summary>
    public static bool IsValid(string? name) =>
        !string.IsNullOrWhiteSpace(name) && name.Split('.').All(part => Plain().IsMatch(part));

    /// <summary><c>db.schema.table</c> → <c>"DB"."SCHEMA"."TABLE"</c>.</summary>
    public static string Quote(string name)
    {
        if (!IsValid(name))
        {
            throw new ArgumentException($"'{name}' is not a plain Snowflake identifier.", nameof(name));
        }

        return string.Join('.', name.Split('.').Select(part => "\"" + part.ToUpperInvariant() + "\""));
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_$]{0,254}$", RegexOptions.CultureInvariant)]
    private static partial Regex Plain();
}
