namespace Affiliate.Sdk.Events;

/// <summary>
/// One tracking event: an impression, a click or a conversion. One schema serves every kind; fields a kind
/// does not use stay <see langword="null"/>. Times are UTC (any offset given is converted), money is <see cref="decimal"/>.
/// </summary>
public sealed record TrackingEvent
{
    /// <summary>The schema version this library writes.</summary>
    public const int CurrentSchemaVersion = 1;

    /// <summary>Unique id of the event (UUIDv7 when created by the SDK); silver deduplicates by it.</summary>
    public required Guid EventId { get; init; }

    /// <summary>What happened.</summary>
    public required EventKind Kind { get; init; }

    /// <summary>When it happened (UTC).</summary>
    public required DateTimeOffset OccurredAt { get; init => field = value.ToUniversalTime(); }

    /// <summary>When the SDK received it (UTC).</summary>
    public required DateTimeOffset ReceivedAt { get; init => field = value.ToUniversalTime(); }

    /// <summary>The click id: issued for clicks, reported back by conversions; <see langword="null"/> for impressions.</summary>
    public string? ClickId { get; init; }

    /// <summary>The offer. Required for clicks and impressions; for conversions silver takes it from the click.</summary>
    public string? OfferId { get; init; }

    /// <summary>The affiliate (publisher). Required for clicks and impressions; for conversions silver takes it from the click.</summary>
    public string? AffiliateId { get; init; }

    /// <summary>Optional campaign of the affiliate.</summary>
    public string? CampaignId { get; init; }

    /// <summary>Affiliate's sub id 1.</summary>
    public string? Sub1 { get; init; }

    /// <summary>Affiliate's sub id 2.</summary>
    public string? Sub2 { get; init; }

    /// <summary>Affiliate's sub id 3.</summary>
    public string? Sub3 { get; init; }

    /// <summary>Affiliate's sub id 4.</summary>
    public string? Sub4 { get; init; }

    /// <summary>Affiliate's sub id 5.</summary>
    public string? Sub5 { get; init; }

    /// <summary>The advertiser's transaction id (conversions); silver deduplicates conversions by offer and transaction id.</summary>
    public string? TransactionId { get; init; }

    /// <summary>The advertiser's verdict (conversions only).</summary>
    public ConversionStatus? Status { get; init; }

    /// <summary>The sale amount reported by the advertiser (conversions, used by revenue-share rules).</summary>
    public Money? SaleAmount { get; init; }

    /// <summary>Revenue from the advertiser when the sender states it; otherwise silver computes it from the offer.</summary>
    public Money? Revenue { get; init; }

    /// <summary>Payout to the affiliate when the sender states it; otherwise silver computes it from the offer.</summary>
    public Money? Payout { get; init; }

    /// <summary>The anonymised client address: a salted hash or a truncated IP, never the raw address.</summary>
    public string? IpHash { get; init; }

    /// <summary>The client's user agent (truncated to <see cref="TrackingEventLimits.MaxUserAgentLength"/>).</summary>
    public string? UserAgent { get; init; }

    /// <summary>ISO-3166 alpha-2 country code of the client, when known.</summary>
    public string? Country { get; init; }

    /// <summary>The referring page (truncated to <see cref="TrackingEventLimits.MaxReferrerLength"/>).</summary>
    public string? Referrer { get; init; }

    /// <summary>Whether the bot filter flagged the request; bots are counted apart, not dropped.</summary>
    public bool IsBot { get; init; }

    /// <summary>The schema version the event was written with.</summary>
    /// <remarks>
    /// 0 means "not stated" and reads as <see cref="CurrentSchemaVersion"/>: the source-generated JSON reader sets every
    /// init-only property, so a document without <c>schema_version</c> would otherwise arrive as 0 and be refused.
    /// </remarks>
    public int SchemaVersion { get; init => field = value == 0 ? CurrentSchemaVersion : value; } = CurrentSchemaVersion;
}
