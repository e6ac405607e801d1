using System.Buffers;
using System.Runtime.CompilerServices;

namespace Affiliate.Sdk.AspNetCore.Capture;

/// <summary>The decoded values of the click and impression parameters, without a heap array.</summary>
[InlineArray(TrafficQuery.Count)]
internal struct TrafficQueryValues
{
    private string? _first;
}

/// <summary>The parameters the click and impression endpoints read.</summary>
internal static class TrafficQuery
{
    public const int Count = 9;
    public const int Offer = 0;
    public const int Affiliate = 1;
    public const int Campaign = 2;
    public const int Sub1 = 3;
    public const int Pixel = 8;

    public static readonly string[] Names = ["offer", "aff", "campaign", "sub1", "sub2", "sub3", "sub4", "sub5", "pixel"];
}

/// <summary>
/// Reads selected parameters straight from the raw query string: only the values asked for are decoded and allocated
/// (no dictionary, no strings for other parameters). Decoding follows form rules: '+' is a space, then %XX as UTF-8.
/// </summary>
internal static class QueryReader
{
    private const int StackLimit = 256;

    /// <summary>Fills <paramref name="values"/>[i] with the value of <paramref name="names"/>[i].</summary>
    /// <returns>A bit mask of the names given more than once (their first value is kept).</returns>
    public static int Read(string? query, ReadOnlySpan<string> names, Span<string?> values)
    {
        var seen = 0;
        var repeated = 0;
        var rest = query.AsSpan();
        if (rest.Length > 0 && rest[0] == '?')
        {
            rest = rest[1..];
        }

        while (!rest.IsEmpty)
        {
            var amp = rest.IndexOf('&');
            var pair = amp < 0 ? rest : rest[..amp];
            rest = amp < 0 ? default : rest[(amp + 1)..];
            if (pair.IsEmpty)
            {
                continue;
            }

            var eq = pair.IndexOf('=');
            var index = IndexOf(names, eq < 0 ? pair : pair[..eq]);
            if (index < 0)
            {
                continue;
            }

            var bit = 1 << index;
            if ((seen & bit) != 0)
            {
                repeated |= bit;
                continue;
            }

            seen |= bit;
            values[index] = eq < 0 ? string.Empty : Decode(pair[(eq + 1)..]);
        }

        return repeated;
    }

    internal static string Decode(ReadOnlySpan<char> raw)
    {
        if (raw.IsEmpty)
        {
            return string.Empty;
        }

        if (raw.IndexOfAny('%', '+') < 0)
        {
            return new string(raw);
        }

        char[]? rented = null;
        var buffer = raw.Length <= StackLimit ? stackalloc char[StackLimit] : (rented = ArrayPool<char>.Shared.Rent(raw.Length));
        try
        {
            var copy = buffer[..raw.Length];
            raw.CopyTo(copy);
            copy.Replace('+', ' ');
            return Uri.UnescapeDataString(copy);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    private static int IndexOf(ReadOnlySpan<string> names, ReadOnlySpan<char> name)
    {
        if (name.IndexOfAny('%', '+') >= 0)
        {
            // An encoded name is rare: decode it (allocating) and compare.
            var decoded = Decode(name);
            return IndexOf(names, decoded.AsSpan());
        }

        for (var i = 0; i < names.Length; i++)
        {
            if (name.SequenceEqual(names[i]))
            {
                return i;
            }
        }

        return -1;
    }
}
