namespace Affiliate.Sdk.Offers;

/// <summary>
/// The offers and advertisers of the configuration-backed catalog, bound from the lists
/// <c>AffiliateSdk:Offers</c> and <c>AffiliateSdk:Advertisers</c>.
/// </summary>
public sealed class OfferCatalogOptions
{
    /// <summary>The offers.</summary>
    public IList<OfferOptions> Offers { get; } = [];

    /// <summary>The advertisers (postback credentials).</summary>
    public IList<AdvertiserOptions> Advertisers { get; } = [];
}

/// <summary>One offer (<c>AffiliateSdk:Offers:{n}</c>).</summary>
public sealed class OfferOptions
{
    /// <summary>The offer id used in tracking links (<c>offer=</c>).</summary>
    public string Id { get; set; } = string.Empty;

    /// <summary>A display name.</summary>
    public string? Name { get; set; }

    /// <summary>The advertiser that owns the offer; must be one of <c>AffiliateSdk:Advertisers</c>.</summary>
    public string AdvertiserId { get; set; } = string.Empty;

    /// <summary>The absolute http(s) destination with macros such as <c>{click_id}</c>; macros may not appear in the scheme or host.</summary>
    public string UrlTemplate { get; set; } = string.Empty;

    /// <summary><c>Active</c> or <c>Paused</c>.</summary>
    public OfferStatus Status { get; set; } = OfferStatus.Active;

    /// <summary>ISO-4217 currency of the offer's amounts.</summary>
    public string Currency { get; set; } = "USD";

    /// <summary>What the advertiser pays per conversion.</summary>
    public CommissionRuleOptions Revenue { get; set; } = new();

    /// <summary>What the affiliate earns per conversion.</summary>
    public CommissionRuleOptions Payout { get; set; } = new();

    /// <summary>How long after a click a conversion is attributed to it (<c>d.hh:mm:ss</c>, default 30 days).</summary>
    public TimeSpan AttributionWindow { get; set; } = TimeSpan.FromDays(30);
}

/// <summary>A revenue or payout rule (<c>…:Revenue</c>, <c>…:Payout</c>).</summary>
public sealed class CommissionRuleOptions
{
    /// <summary><c>Flat</c> (an amount per conversion) or <c>RevenueShare</c> (a percentage of the sale amount).</summary>
    public CommissionKind Kind { get; set; } = CommissionKind.Flat;

    /// <summary>The flat amount in the offer's currency, or the percentage (0–100).</summary>
    public decimal Value { get; set; }
}

/// <summary>One advertiser (<c>AffiliateSdk:Advertisers:{n}</c>).</summary>
public sealed class AdvertiserOptions
{
    /// <summary>The advertiser id (the <c>adv=</c> postback parameter).</summary>
    public string Id { get; set; } = string.Empty;

    /// <summary>A display name.</summary>
    public string? Name { get; set; }

    /// <summary>HMAC-SHA256 secrets postbacks may be signed with; list several while rotating. At least 16 characters each.</summary>
    public IList<string> PostbackSecrets { get; } = [];

    /// <summary>Static tokens (<c>token=</c>) for advertisers that cannot sign. At least 16 characters each.</summary>
    public IList<string> PostbackTokens { get; } = [];
}
