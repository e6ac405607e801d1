using System.Buffers;

namespace Affiliate.Sdk.Offers;

/// <summary>The values macros of an offer URL template expand to (missing values expand to nothing).</summary>
internal readonly record struct MacroValues(
    string? ClickId,
    string? OfferId,
    string? AffiliateId,
    string? CampaignId,
    string? Sub1,
    string? Sub2,
    string? Sub3,
    string? Sub4,
    string? Sub5);

/// <summary>
/// A parsed offer URL template. Macros expand to RFC 3986 percent-encoded values, and may only appear after the
/// scheme and host, so a tracking link can never send the visitor anywhere but the offer's own site.
/// </summary>
internal sealed class OfferUrlTemplate
{
    /// <summary>The macro names, in <see cref="MacroValues"/> order.</summary>
    internal static readonly string[] MacroNames =
        ["click_id", "offer_id", "aff_id", "campaign_id", "sub1", "sub2", "sub3", "sub4", "sub5"];

    // One UTF-16 char becomes at most 3 UTF-8 bytes, each written as %XX.
    private const int MaxEscapedCharsPerChar = 9;

    private readonly string[] _literals;
    private readonly int[] _macros;
    private readonly int _literalLength;

    private OfferUrlTemplate(string[] literals, int[] macros)
    {
        _literals = literals;
        _macros = macros;
        foreach (var literal in literals)
        {
            _literalLength += literal.Length;
        }
    }

    /// <summary>Parses a template; the error says what is wrong.</summary>
    public static bool TryParse(string? template, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out OfferUrlTemplate? result, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        result = null;
        if (string.IsNullOrWhiteSpace(template))
        {
            error = "must be an absolute http(s) URL";
            return false;
        }

        var literals = new List<string>();
        var macros = new List<int>();
        var start = 0;
        while (true)
        {
            var open = template.IndexOf('{', start);
            if (open < 0)
            {
                if (template.IndexOf('}', start) >= 0)
                {
                    error = "has a '}' that closes no macro";
                    return false;
                }

                literals.Add(template[start..]);
                break;
            }

            var close = template.IndexOf('}', open + 1);
            if (close < 0 || template.AsSpan(start, open - start).Contains('}'))
            {
                error = "has an unbalanced '{' or '}'";
                return false;
            }

            var name = template.AsSpan(open + 1, close - open - 1);
            var index = IndexOfMacro(name);
            if (index < 0)
            {
                error = $"uses unknown macro '{{{name}}}' (known: {{{string.Join("}, {", MacroNames)}}})";
                return false;
            }

            literals.Add(template[start..open]);
            macros.Add(index);
            start = close + 1;
        }

        if (!literals[0].StartsWith("http://", StringComparison.OrdinalIgnoreCase) && !literals[0].StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            error = "must be an absolute http(s) URL";
            return false;
        }

        // The scheme and authority must lie entirely before the first macro (no open redirect)…
        if (macros.Count > 0 && !AuthorityEndsWithin(literals[0]))
        {
            error = "must not use macros in the scheme, host or port";
            return false;
        }

        // …and with every macro empty the template must be an absolute http(s) URL.
        var sample = string.Concat(literals);
        if (!Uri.TryCreate(sample, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || uri.Host.Length == 0)
        {
            error = "must be an absolute http(s) URL";
            return false;
        }

        result = new OfferUrlTemplate([.. literals], [.. macros]);
        error = null;
        return true;
    }

    /// <summary>Expands the macros into a new URL string, using a pooled buffer.</summary>
    public string Expand(in MacroValues values)
    {
        var max = _literalLength;
        for (var i = 0; i < _macros.Length; i++)
        {
            max += (Value(in values, _macros[i])?.Length ?? 0) * MaxEscapedCharsPerChar;
        }

        var rented = ArrayPool<char>.Shared.Rent(max);
        try
        {
            var buffer = rented.AsSpan();
            var written = 0;
            for (var i = 0; i < _macros.Length; i++)
            {
                var literal = _literals[i];
                literal.CopyTo(buffer[written..]);
                written += literal.Length;
                var value = Value(in values, _macros[i]);
                if (!string.IsNullOrEmpty(value))
                {
                    if (!Uri.TryEscapeDataString(value, buffer[written..], out var escaped))
                    {
                        throw new InvalidOperationException("The macro buffer was sized too small.");
                    }

                    written += escaped;
                }
            }

            var last = _literals[^1];
            last.CopyTo(buffer[written..]);
            written += last.Length;
            return new string(buffer[..written]);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(rented);
        }
    }

    private static string? Value(in MacroValues values, int macro) => macro switch
    {
        0 => values.ClickId,
        1 => values.OfferId,
        2 => values.AffiliateId,
        3 => values.CampaignId,
        4 => values.Sub1,
        5 => values.Sub2,
        6 => values.Sub3,
        7 => values.Sub4,
        _ => values.Sub5,
    };

    private static int IndexOfMacro(ReadOnlySpan<char> name)
    {
        for (var i = 0; i < MacroNames.Length; i++)
        {
            if (name.SequenceEqual(MacroNames[i]))
            {
                return i;
            }
        }

        return -1;
    }

    private static bool AuthorityEndsWithin(string prefix)
    {
        var schemeEnd = prefix.IndexOf("://", StringComparison.Ordinal);
        return schemeEnd > 0 && prefix.AsSpan(schemeEnd + 3).IndexOfAny('/', '?', '#') >= 0;
    }
}
