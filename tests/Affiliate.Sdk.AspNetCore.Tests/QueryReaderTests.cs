using Affiliate.Sdk.AspNetCore.Capture;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.AspNetCore.WebUtilities;

namespace Affiliate.Sdk.AspNetCore.Tests;

public sealed class QueryReaderTests
{
    private static readonly string[] Pieces = ["a", "Z", "9", "-", " ", "+", "&", "=", "%", "%2", "/", "?", "ä", "日本", "🦄", "#", ";"];

    private static Gen<string> Text => Gen.Choose(0, 6).SelectMany(n => Gen.ArrayOf(Gen.Elements(Pieces), n)).Select(p => string.Concat(p));

    [Property(MaxTest = 300)]
    public Property Reads_the_same_values_as_the_framework_query_parser() =>
        Prop.ForAll(Gen.ArrayOf(Text, TrafficQuery.Count).ToArbitrary(), Gen.Elements(false, true).ToArbitrary(), (raw, plusForSpace) =>
        {
            var query = "?" + string.Join('&', raw.Select((value, i) =>
            {
                var encoded = Uri.EscapeDataString(value);
                return $"{TrafficQuery.Names[i]}={(plusForSpace ? encoded.Replace("%20", "+", StringComparison.Ordinal) : encoded)}";
            })) + "&other=x";
            var expected = QueryHelpers.ParseQuery(query);
            var values = new string?[TrafficQuery.Count];

            var repeated = QueryReader.Read(query, TrafficQuery.Names, values);

            return repeated == 0 && TrafficQuery.Names.Select((name, i) => values[i] == expected[name].ToString()).All(same => same);
        });

    [Fact]
    public void Repeated_names_are_reported_and_the_first_value_kept()
    {
        var values = new string?[TrafficQuery.Count];

        var repeated = QueryReader.Read("?offer=1&aff=a&offer=2&sub1", TrafficQuery.Names, values);

        Assert.Equal(1 << TrafficQuery.Offer, repeated);
        Assert.Equal(("1", "a", ""), (values[TrafficQuery.Offer], values[TrafficQuery.Affiliate], values[TrafficQuery.Sub1]));
        Assert.Null(values[TrafficQuery.Campaign]);
    }

    [Fact]
    public void Encoded_names_are_recognised()
    {
        var values = new string?[TrafficQuery.Count];

        QueryReader.Read("of%66er=7&%61ff=x+y", TrafficQuery.Names, values);

        Assert.Equal(("7", "x y"), (values[TrafficQuery.Offer], values[TrafficQuery.Affiliate]));
    }
}
