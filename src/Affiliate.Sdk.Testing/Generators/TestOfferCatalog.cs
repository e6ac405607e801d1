using System.Diagnostics.CodeAnalysis;
using Affiliate.Sdk.Offers;

namespace Affiliate.Sdk.Testing;

/// <summary>An offer catalog held in memory (exact id match), for tests of engines and report clients.</summary>
public sealed class TestOfferCatalog : IOfferCatalog
{
    private readonly Dictionary<string, Offer> _offers;

    /// <summary>Creates a catalog of the given offers.</summary>
    /// <param name="offers">The offers; ids must be distinct.</param>
    public TestOfferCatalog(params Offer[] offers)
    {
        ArgumentNullException.ThrowIfNull(offers);
        _offers = offers.ToDictionary(o => o.Id, StringComparer.Ordinal);
    }

    /// <inheritdoc />
    public IReadOnlyCollection<Offer> Offers => _offers.Values;

    /// <inheritdoc />
    public IReadOnlyCollection<Advertiser> Advertisers => [];

    /// <inheritdoc />
    public bool TryGetOffer(string offerId, [NotNullWhen(true)] out Offer? offer) => _offers.TryGetValue(offerId, out offer);

    /// <inheritdoc />
    public bool TryGetAdvertiser(string advertiserId, [NotNullWhen(true)] out Advertiser? advertiser)
    {
        advertiser = null;
        return false;
    }

    /// <summary>An offer paying flat amounts per approved conversion.</summary>
    /// <param name="id">Offer id.</param>
    /// <param name="revenue">Revenue per conversion, offer currency.</param>
    /// <param name="payout">Payout per conversion, offer currency.</param>
    /// <param name="currency">The offer's currency.</param>
    /// <param name="window">Attribution window (30 days when omitted).</param>
    /// <returns>The offer.</returns>
    public static Offer Flat(string id, decimal revenue, decimal payout, string currency = "USD", TimeSpan? window = null) =>
        Create(id, new CommissionRule(CommissionKind.Flat, revenue), new CommissionRule(CommissionKind.Flat, payout), currency, window);

    /// <summary>An offer paying percentages of the sale amount.</summary>
    /// <param name="id">Offer id.</param>
    /// <param name="revenuePercent">Revenue, percent of the sale.</param>
    /// <param name="payoutPercent">Payout, percent of the sale.</param>
    /// <param name="currency">The offer's currency.</param>
    /// <param name="window">Attribution window (30 days when omitted).</param>
    /// <returns>The offer.</returns>
    public static Offer Share(string id, decimal revenuePercent, decimal payoutPercent, string currency = "USD", TimeSpan? window = null) =>
        Create(id, new CommissionRule(CommissionKind.RevenueShare, revenuePercent), new CommissionRule(CommissionKind.RevenueShare, payoutPercent), currency, window);

    private static Offer Create(string id, CommissionRule revenue, CommissionRule payout, string currency, TimeSpan? window) => new()
    {
        Id = id,
        AdvertiserId = "adv",
        UrlTemplate = "https://example.com/?c={click_id}",
        Currency = currency,
        Revenue = revenue,
        Payout = payout,
        AttributionWindow = window ?? TimeSpan.FromDays(30),
    };
}
