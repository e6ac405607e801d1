using System.Diagnostics.CodeAnalysis;
using Affiliate.Sdk.Offers;

// The linked MedallionGenerators name their catalog type in the DuckDB tests' namespace.
namespace Affiliate.Sdk.DuckDb.Tests;

/// <summary>An offer catalog held in memory (exact id match), as the engine-agreement generators expect.</summary>
public sealed class TestCatalog(params Offer[] offers) : IOfferCatalog
{
    private readonly Dictionary<string, Offer> _offers = offers.ToDictionary(o => o.Id, StringComparer.Ordinal);

    public IReadOnlyCollection<Offer> Offers => _offers.Values;

    public IReadOnlyCollection<Advertiser> Advertisers => [];

    public bool TryGetOffer(string offerId, [NotNullWhen(true)] out Offer? offer) => _offers.TryGetValue(offerId, out offer);

    public bool TryGetAdvertiser(string advertiserId, [NotNullWhen(true)] out Advertiser? advertiser)
    {
        advertiser = null;
        return false;
    }

    public static Offer Flat(string id, decimal revenue, decimal payout, string currency = "USD", TimeSpan? window = null) => new()
    {
        Id = id,
        AdvertiserId = "adv",
        UrlTemplate = "https://example.com/?c={click_id}",
        Currency = currency,
        Revenue = new CommissionRule(CommissionKind.Flat, revenue),
        Payout = new CommissionRule(CommissionKind.Flat, payout),
        AttributionWindow = window ?? TimeSpan.FromDays(30),
    };

    public static Offer Share(string id, decimal revenuePercent, decimal payoutPercent, string currency = "USD", TimeSpan? window = null) => new()
    {
        Id = id,
        AdvertiserId = "adv",
        UrlTemplate = "https://example.com/?c={click_id}",
        Currency = currency,
        Revenue = new CommissionRule(CommissionKind.RevenueShare, revenuePercent),
        Payout = new CommissionRule(CommissionKind.RevenueShare, payoutPercent),
        AttributionWindow = window ?? TimeSpan.FromDays(30),
    };
}
