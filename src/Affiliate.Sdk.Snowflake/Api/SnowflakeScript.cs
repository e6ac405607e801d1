using System.Text;

namespace Affiliate.Sdk.Snowflake;

/// <summary>Splits a SQL script into statements, so each can be sent to the SQL API on its own.</summary>
public static class SnowflakeScript
{
    /// <summary>
    /// Splits at semicolons that are outside quoted strings (<c>'…'</c>), quoted identifiers (<c>"…"</c>), dollar-quoted
    /// bodies (<c>$$…$$</c>) and comments (<c>-- …</c>, <c>/* … */</c>). Empty statements are dropped.
    /// </summary>
    /// <param name="script">The script.</param>
    /// <returns>The statements, trimmed, without their semicolons, in order.</returns>
    public static IReadOnlyList<string> Split(string script)
    {
        ArgumentNullException.ThrowIfNull(script);
        var statements = new List<string>();
        var current = new StringBuilder();
        var hasCode = false;
        var i = 0;
        while (i < script.Length)
        {
            var c = script[i];
            var next = i + 1 < script.Length ? script[i + 1] : '\0';
            if (c == ';')
            {
                Flush();
                i++;
                continue;
            }

            var end = c switch
            {
                '\'' => EndOfQuoted(script, i, '\''),
                '"' => EndOfQuoted(script, i, '"'),
                '$' when next == '$' => EndOf(script, i + 2, "$$"),
                '-' when next == '-' => EndOf(script, i + 2, "\n"),
                '/' when next == '*' => EndOf(script, i + 2, "*/"),
                _ => i + 1,
            };
            var isComment = (c == '-' && next == '-') || (c == '/' && next == '*');
            hasCode |= !isComment && !char.IsWhiteSpace(c);
            current.Append(script, i, end - i);
            i = end;
        }

        Flush();
        return statements;

        void Flush()
        {
            if (hasCode)
            {
                statements.Add(current.ToString().Trim());
            }

            current.Clear();
            hasCode = false;
        }
    }

    /// <summary>End (exclusive) of a quoted run starting at <paramref name="start"/>; a doubled quote or a backslash escapes.</summary>
    private static int EndOfQuoted(string s, int start, char quote)
    {
        for (var i = start + 1; i < s.Length; i++)
        {
            if (s[i] == '\\' && quote == '\'')
            {
                i++;
            }
            else if (s[i] == quote)
            {
                if (i + 1 < s.Length && s[i + 1] == quote)
                {
                    i++;
                }
                else
                {
                    return i + 1;
                }
            }
        }

        return s.Length;
    }

    private static int EndOf(string s, int from, string terminator)
    {
        var at = s.IndexOf(terminator, from, StringComparison.Ordinal);
        return at < 0 ? s.Length : at + terminator.Length;
    }
}
