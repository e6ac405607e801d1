using Affiliate.Sdk.Events;

namespace Affiliate.Sdk.Capture;

/// <summary>How capture anonymises client addresses before anything is stored.</summary>
public enum IpAnonymizationMode
{
    /// <summary>Keep the network prefix: IPv4 /24 (<c>203.0.113.0/24</c>), IPv6 /48 (<c>2001:db8:1::/48</c>). Needs no secret.</summary>
    Truncate = 1,

    /// <summary>A keyed hash: HMAC-SHA256 of the address under <see cref="CaptureOptions.IpHashSalt"/>, 32 hex characters.</summary>
    Hash = 2,
}

/// <summary>Settings of capture: the tracker and the HTTP endpoints (<c>AffiliateSdk:Capture</c>). Read at start.</summary>
public sealed class CaptureOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "AffiliateSdk:Capture";

    /// <summary>How client addresses are anonymised; the raw address is never stored.</summary>
    public IpAnonymizationMode IpAnonymization { get; set; } = IpAnonymizationMode.Truncate;

    /// <summary>The secret key of <see cref="IpAnonymizationMode.Hash"/> (at least 16 characters). Rotating it changes every visitor key.</summary>
    public string? IpHashSalt { get; set; }

    /// <summary>Whether the built-in bot user-agent patterns apply (crawlers, HTTP libraries, headless browsers).</summary>
    public bool UseDefaultBotPatterns { get; set; } = true;

    /// <summary>More case-insensitive substrings of the user agent that flag a request as a bot.</summary>
    public IList<string> BotUserAgentPatterns { get; } = [];

    /// <summary>Whether a click or impression without a user agent is flagged as a bot.</summary>
    public bool FlagMissingUserAgentAsBot { get; set; } = true;

    /// <summary>User agents are cut to this many characters (at most <see cref="TrackingEventLimits.MaxUserAgentLength"/>).</summary>
    public int MaxUserAgentLength { get; set; } = TrackingEventLimits.MaxUserAgentLength;

    /// <summary>Referrers are cut to this many characters (at most <see cref="TrackingEventLimits.MaxReferrerLength"/>).</summary>
    public int MaxReferrerLength { get; set; } = TrackingEventLimits.MaxReferrerLength;

    /// <summary>A request header holding the client's ISO-3166 country from an upstream geo lookup (e.g. <c>CF-IPCountry</c>); none by default.</summary>
    public string? CountryHeader { get; set; }

    /// <summary>Keys that authorise <c>POST {prefix}/events</c> (<c>Authorization: Bearer KEY</c>), at least 16 characters each; none disables the endpoint (401).</summary>
    public IList<string> BatchApiKeys { get; } = [];

    /// <summary>Most events in one batch request (more answers 413).</summary>
    public int MaxBatchEvents { get; set; } = 1000;

    /// <summary>Largest batch request body in bytes (more answers 413).</summary>
    public int MaxBatchBytes { get; set; } = 1024 * 1024;

    /// <summary>Largest form-encoded postback body in bytes (more answers 413).</summary>
    public int MaxPostbackBytes { get; set; } = 16 * 1024;

    /// <summary>The <c>Retry-After</c> seconds sent with 503 when the publisher cannot accept events.</summary>
    public int RetryAfterSeconds { get; set; } = 5;
}
