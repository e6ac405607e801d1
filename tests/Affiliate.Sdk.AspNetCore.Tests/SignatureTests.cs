using Affiliate.Sdk.AspNetCore.Capture;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Affiliate.Sdk.AspNetCore.Tests;

public sealed class SignatureTests
{
    private static readonly string[] Pieces = ["a", "Z", "9", "-", "_", ".", "~", " ", "+", "&", "=", "%", "/", "?", "ä", "日本", "🦄", "!", "*", "'", "(", ")"];

    private static Gen<string> Text(int min) =>
        Gen.Choose(min, 6).SelectMany(n => Gen.ArrayOf(Gen.Elements(Pieces), n)).Select(p => string.Concat(p));

    private static Gen<KeyValuePair<string, string>[]> Parameters =>
        Gen.ListOf(Gen.Zip(Text(1), Text(0)))
            .Select(pairs => pairs.DistinctBy(p => p.Item1).Select(p => new KeyValuePair<string, string>(p.Item1, p.Item2)).ToArray());

    [Property(MaxTest = 300)]
    public Property Canonical_query_does_not_depend_on_parameter_order() =>
        Prop.ForAll(Parameters.ToArbitrary(), Gen.Choose(0, int.MaxValue).ToArbitrary(), (parameters, seed) =>
        {
            var shuffled = parameters.ToArray();
            new Random(seed).Shuffle(shuffled);
            return PostbackSignature.Canonicalize(parameters) == PostbackSignature.Canonicalize(shuffled);
        });

    [Property(MaxTest = 300)]
    public Property Canonical_query_round_trips_every_name_and_value_and_ignores_sig() =>
        Prop.ForAll(Parameters.ToArbitrary(), parameters =>
        {
            var withSig = parameters.Append(new("sig", "deadbeef")).ToArray();
            var canonical = PostbackSignature.Canonicalize(withSig);
            var decoded = canonical.Length == 0
                ? []
                : canonical.Split('&').Select(p => p.Split('=')).Select(p => (Uri.UnescapeDataString(p[0]), Uri.UnescapeDataString(p[1]))).ToList();
            return canonical.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~' or '%' or '=' or '&')
                && decoded.OrderBy(p => p.Item1, StringComparer.Ordinal).SequenceEqual(parameters.Select(p => (p.Key, p.Value)).OrderBy(p => p.Item1, StringComparer.Ordinal));
        });

    [Fact]
    public void Canonical_query_uses_rfc3986_encoding_with_upper_case_hex()
    {
        var canonical = PostbackSignature.Canonicalize(
        [
            new("txn_id", "a b!*'()~/ä"),
            new("amount", "49.90"),
            new("sig", "ignored"),
        ]);

        Assert.Equal("amount=49.90&txn_id=a%20b%21%2A%27%28%29~%2F%C3%A4", canonical);
    }

    [Fact]
    public void Signature_matches_openssl_hmac_of_the_documented_example()
    {
        // printf '%s' 'amount=49.90&click_id=AQEBAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhsc&currency=USD&status=approved&txn_id=ORDER-1001' \
        //   | openssl dgst -sha256 -hmac 'example-secret-change-me'
        const string canonical = "amount=49.90&click_id=AQEBAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhsc&currency=USD&status=approved&txn_id=ORDER-1001";

        Assert.Equal(TrackingApp.Sign(canonical, "example-secret-change-me"), PostbackSignature.Sign(canonical, "example-secret-change-me"));
        Assert.Equal(ExpectedExample, PostbackSignature.Sign(canonical, "example-secret-change-me"));
    }

    private const string ExpectedExample = "c8fac785e87d052b53c74bb3674965e836b42574fac427296c92c5afd27b6dc5";
}
