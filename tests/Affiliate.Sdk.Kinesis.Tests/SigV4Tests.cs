using Amazon.Runtime;

namespace Affiliate.Sdk.Kinesis.Tests;

/// <summary>
/// The signer against AWS's published SigV4 test suite (aws-sig-v4-test-suite): credentials AKIDEXAMPLE, region
/// us-east-1, service "service", host example.amazonaws.com, 2015-08-30T12:36:00Z. Expected values are the suite's.
/// </summary>
public sealed class SigV4Tests
{
    private static readonly ImmutableCredentials Example = new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", null);
    private static readonly DateTime At = new(2015, 8, 30, 12, 36, 0, DateTimeKind.Utc);
    private const string EmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    private static string Sign(string method, string query)
    {
        KeyValuePair<string, string>[] headers = [new("x-amz-date", SigV4.FormatDate(At)), new("host", "example.amazonaws.com")];
        var canonical = SigV4.CanonicalRequest(method, "/", query, headers, SigV4.Sha256Hex([]), out var signed);
        return SigV4.Authorization(Example, "us-east-1", "service", At, signed, canonical);
    }

    [Fact]
    public void Get_vanilla_matches_the_published_authorization_header()
    {
        Assert.Equal(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            Sign("GET", ""));
    }

    [Fact]
    public void Get_vanilla_canonical_request_hashes_to_the_published_string_to_sign_line()
    {
        KeyValuePair<string, string>[] headers = [new("host", "example.amazonaws.com"), new("x-amz-date", "20150830T123600Z")];
        var canonical = SigV4.CanonicalRequest("GET", "/", "", headers, EmptySha256, out var signed);

        Assert.Equal("host;x-amz-date", signed);
        Assert.Equal("bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63", SigV4.Sha256Hex(System.Text.Encoding.UTF8.GetBytes(canonical)));
    }

    [Fact]
    public void Post_vanilla_matches_the_published_signature()
    {
        Assert.EndsWith("Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b", Sign("POST", ""));
    }

    [Fact]
    public void Get_vanilla_query_order_key_case_matches_the_published_signature()
    {
        // The canonical query sorts the parameters: Param1=value1&Param2=value2.
        Assert.EndsWith("Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500", Sign("GET", "Param1=value1&Param2=value2"));
    }

    [Fact]
    public void A_changed_secret_changes_the_signature()
    {
        KeyValuePair<string, string>[] headers = [new("host", "example.amazonaws.com"), new("x-amz-date", "20150830T123600Z")];
        var canonical = SigV4.CanonicalRequest("GET", "/", "", headers, EmptySha256, out var signed);
        var other = SigV4.Authorization(new ImmutableCredentials("AKIDEXAMPLE", "another-secret", null), "us-east-1", "service", At, signed, canonical);

        Assert.DoesNotContain("5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31", other);
    }
}
