namespace Affiliate.Sdk.Events;

/// <summary>Size limits of event fields, enforced by <see cref="TrackingEventValidator"/>.</summary>
public static class TrackingEventLimits
{
    /// <summary>Longest id (offer, affiliate, campaign, click, transaction).</summary>
    public const int MaxIdLength = 128;

    /// <summary>Longest sub id.</summary>
    public const int MaxSubLength = 256;

    /// <summary>Longest user agent kept; capture truncates longer ones.</summary>
    public const int MaxUserAgentLength = 512;

    /// <summary>Longest referrer kept; capture truncates longer ones.</summary>
    public const int MaxReferrerLength = 1024;

    /// <summary>Longest anonymised IP value.</summary>
    public const int MaxIpHashLength = 64;

    /// <summary>How far in the future an event time may be (clock skew allowance).</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(5);
}
