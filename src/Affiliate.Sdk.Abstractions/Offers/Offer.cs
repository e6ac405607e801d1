namespace Affiliate.Sdk.Offers;

/// <summary>Whether an offer takes traffic.</summary>
public enum OfferStatus
{
    /// <summary>Clicks are redirected and tracked.</summary>
    Active = 1,

    /// <summary>Clicks are refused (404) until the offer is active again.</summary>
    Paused = 2,
}

/// <summary>How revenue or payout of a conversion is computed.</summary>
public enum CommissionKind
{
    /// <summary>A flat amount per conversion (CPA).</summary>
    Flat = 1,

    /// <summary>A percentage of the sale amount (revenue share).</summary>
    RevenueShare = 2,
}

/// <summary>A revenue or payout rule of an offer, in the offer's currency.</summary>
/// <param name="Kind">Flat amount or revenue share.</param>
/// <param name="Value">The flat amount, or the percentage (e.g. 12.5 for 12.5 %).</param>
public sealed record CommissionRule(CommissionKind Kind, decimal Value);

/// <summary>An offer: where its clicks go and what its conversions earn.</summary>
public sealed record Offer
{
    /// <summary>The offer id used in tracking links.</summary>
    public required string Id { get; init; }

    /// <summary>A display name.</summary>
    public string? Name { get; init; }

    /// <summary>The advertiser that owns the offer and sends its postbacks.</summary>
    public required string AdvertiserId { get; init; }

    /// <summary>
    /// The destination URL template. Macros <c>{click_id}</c>, <c>{offer_id}</c>, <c>{aff_id}</c>, <c>{campaign_id}</c>,
    /// <c>{sub1}</c>..<c>{sub5}</c> are replaced with URL-encoded values.
    /// </summary>
    public required string UrlTemplate { get; init; }

    /// <summary>Whether the offer takes traffic.</summary>
    public OfferStatus Status { get; init; } = OfferStatus.Active;

    /// <summary>ISO-4217 currency of the offer's amounts.</summary>
    public string Currency { get; init; } = "USD";

    /// <summary>What the advertiser pays the network per conversion.</summary>
    public required CommissionRule Revenue { get; init; }

    /// <summary>What the network pays the affiliate per conversion.</summary>
    public required CommissionRule Payout { get; init; }

    /// <summary>How long after a click a conversion is attributed to it.</summary>
    public TimeSpan AttributionWindow { get; init; } = TimeSpan.FromDays(30);
}

/// <summary>An advertiser and the credentials its postbacks are checked with.</summary>
public sealed record Advertiser
{
    /// <summary>The advertiser id.</summary>
    public required string Id { get; init; }

    /// <summary>A display name.</summary>
    public string? Name { get; init; }

    /// <summary>HMAC-SHA256 secrets postbacks may be signed with (several, so secrets can rotate).</summary>
    public IReadOnlyList<string> PostbackSecrets { get; init; } = [];

    /// <summary>Static tokens a postback may carry instead of a signature (for advertisers that cannot sign).</summary>
    public IReadOnlyList<string> PostbackTokens { get; init; } = [];
}

/// <summary>Looks offers and advertisers up. The default reads configuration; replace it to read your own store.</summary>
public interface IOfferCatalog
{
    /// <summary>Finds an offer by id.</summary>
    /// <param name="offerId">The offer id.</param>
    /// <param name="offer">The offer when found.</param>
    /// <returns><see langword="true"/> when the offer exists (active or paused).</returns>
    bool TryGetOffer(string offerId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Offer? offer);

    /// <summary>Finds an advertiser by id.</summary>
    /// <param name="advertiserId">The advertiser id.</param>
    /// <param name="advertiser">The advertiser when found.</param>
    /// <returns><see langword="true"/> when the advertiser exists.</returns>
    bool TryGetAdvertiser(string advertiserId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Advertiser? advertiser);

    /// <summary>Every offer.</summary>
    IReadOnlyCollection<Offer> Offers { get; }

    /// <summary>Every advertiser.</summary>
    IReadOnlyCollection<Advertiser> Advertisers { get; }
}
