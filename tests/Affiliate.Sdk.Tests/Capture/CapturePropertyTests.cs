using System.Net;
using Affiliate.Sdk.Capture;
using Affiliate.Sdk.Offers;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Affiliate.Sdk.Tests.Capture;

public sealed class CapturePropertyTests
{
    private static readonly string[] Pieces =
    [
        "a", "Z", "7", "-", "_", ".", "~", " ", "ä", "日本", "🦄", "\"", "\\", "/", "//", "?", "&", "=", "#", "@", ":", "%", "%2F",
        "..", "{", "}", "\t", "\n", "\u2028", "https://evil.example/", "@evil.example", "\ud800",
    ];

    private static Gen<string?> Values =>
        Gen.Choose(0, 12).SelectMany(n => Gen.ArrayOf(Gen.Elements(Pieces), n)).Select(p => (string?)string.Concat(p)).OrNull();

    private static Gen<string> Templates => Gen.Elements(
        "https://shop.example/landing?cid={click_id}&s1={sub1}",
        "https://shop.example/{sub1}/{sub2}?a={aff_id}",
        "http://shop.example:8080/{sub1}{sub2}{sub3}#{sub4}",
        "https://user@shop.example/p?{sub5}={campaign_id}",
        "https://shop.example?{sub1}",
        "https://shop.example/static");

    private static Gen<IPAddress> Addresses => Gen.OneOf(
        Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), 4).Select(b => new IPAddress(b)),
        Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), 16).Select(b => new IPAddress(b)),
        Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), 4).Select(b => new IPAddress(b).MapToIPv6()),
        Gen.Elements(IPAddress.Loopback, IPAddress.IPv6Loopback, IPAddress.Any, IPAddress.IPv6Any, IPAddress.Parse("10.0.0.0")));

    [Property(MaxTest = 300)]
    public Property Macro_expansion_never_changes_the_scheme_host_or_port_of_the_template() =>
        Prop.ForAll(Templates.ToArbitrary(), Gen.ArrayOf(Values, 9).ToArbitrary(), (text, v) =>
        {
            Assert.True(OfferUrlTemplate.TryParse(text, out var template, out _));
            var expanded = template.Expand(new MacroValues(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]));
            var original = new Uri(text.Replace("{", "", StringComparison.Ordinal).Replace("}", "", StringComparison.Ordinal));

            return Uri.TryCreate(expanded, UriKind.Absolute, out var uri)
                && uri.Scheme == original.Scheme
                && uri.Host == original.Host
                && uri.Port == original.Port
                && uri.UserInfo == original.UserInfo;
        });

    [Property(MaxTest = 300)]
    public Property Ip_anonymiser_never_emits_the_raw_address() =>
        Prop.ForAll(Addresses.ToArbitrary(), Gen.Elements(IpAnonymizationMode.Truncate, IpAnonymizationMode.Hash).ToArbitrary(), (address, mode) =>
        {
            var anonymizer = new IpAnonymizer(new CaptureOptions { IpAnonymization = mode, IpHashSalt = "a-salt-of-sixteen-chars" });
            var result = anonymizer.Anonymize(address)!;
            var ipv4 = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

            // A truncated x.y.z.0 address legitimately shares its text with its own /24 network.
            var mayShareText = mode == IpAnonymizationMode.Truncate && ipv4.GetAddressBytes() is [.., 0];
            return result.Length <= Events.TrackingEventLimits.MaxIpHashLength
                && !IPAddress.TryParse(result, out _)
                && !result.Equals(ipv4.ToString(), StringComparison.OrdinalIgnoreCase)
                && (mayShareText || !result.Contains(ipv4.ToString(), StringComparison.OrdinalIgnoreCase));
        });

    [Fact]
    public void Truncation_keeps_the_ipv4_24_and_ipv6_48_prefix()
    {
        var anonymizer = new IpAnonymizer(new CaptureOptions());

        Assert.Equal("203.0.113.0/24", anonymizer.Anonymize(IPAddress.Parse("203.0.113.200")));
        Assert.Equal("203.0.113.0/24", anonymizer.Anonymize(IPAddress.Parse("::ffff:203.0.113.9")));
        Assert.Equal("2001:db8:abcd::/48", anonymizer.Anonymize(IPAddress.Parse("2001:db8:abcd:12::1")));
        Assert.Null(anonymizer.Anonymize(null));
    }

    [Property(MaxTest = 200)]
    public Property Truncation_never_splits_a_surrogate_pair() =>
        Prop.ForAll(Values.ToArbitrary(), Gen.Choose(0, 20).ToArbitrary(), (value, max) =>
        {
            var cut = AffiliateTracker.Truncate(value, max);
            return value is null
                ? cut is null
                : cut!.Length <= max && value.StartsWith(cut, StringComparison.Ordinal) && (cut.Length == 0 || !char.IsHighSurrogate(cut[^1]) || value.Length == cut.Length);
        });
}
