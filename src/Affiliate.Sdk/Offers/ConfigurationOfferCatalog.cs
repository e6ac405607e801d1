using System.Collections.Frozen;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Affiliate.Sdk.Offers;

/// <summary>
/// The default <see cref="IOfferCatalog"/>: offers and advertisers from <see cref="OfferCatalogOptions"/>, validated
/// at start. When configuration changes, a valid new version replaces the old one atomically; an invalid one is
/// logged and the previous catalog stays in use.
/// </summary>
internal sealed partial class ConfigurationOfferCatalog : IOfferCatalog, IDisposable
{
    private readonly IOptionsFactory<OfferCatalogOptions> _factory;
    private readonly ILogger<ConfigurationOfferCatalog> _logger;
    private readonly List<IDisposable> _subscriptions = [];
    private volatile Snapshot _snapshot;

    public ConfigurationOfferCatalog(
        IOptions<OfferCatalogOptions> options,
        IOptionsFactory<OfferCatalogOptions> factory,
        IEnumerable<IOptionsChangeTokenSource<OfferCatalogOptions>> changeSources,
        ILogger<ConfigurationOfferCatalog>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(changeSources);
        _factory = factory;
        _logger = logger ?? NullLogger<ConfigurationOfferCatalog>.Instance;
        _snapshot = new Snapshot(options.Value);
        foreach (var source in changeSources)
        {
            if (source.Name == Options.DefaultName)
            {
                _subscriptions.Add(ChangeToken.OnChange(source.GetChangeToken, Reload));
            }
        }
    }

    public IReadOnlyCollection<Offer> Offers => _snapshot.OfferList;

    public IReadOnlyCollection<Advertiser> Advertisers => _snapshot.AdvertiserList;

    public bool TryGetOffer(string offerId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Offer? offer)
    {
        ArgumentNullException.ThrowIfNull(offerId);
        return _snapshot.Offers.TryGetValue(offerId, out offer);
    }

    public bool TryGetAdvertiser(string advertiserId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Advertiser? advertiser)
    {
        ArgumentNullException.ThrowIfNull(advertiserId);
        return _snapshot.Advertisers.TryGetValue(advertiserId, out advertiser);
    }

    public void Dispose()
    {
        foreach (var subscription in _subscriptions)
        {
            subscription.Dispose();
        }
    }

    internal void Reload()
    {
        try
        {
            var options = _factory.Create(Options.DefaultName);
            _snapshot = new Snapshot(options);
            LogReloaded(_logger, _snapshot.Offers.Count, _snapshot.Advertisers.Count);
        }
        catch (OptionsValidationException ex)
        {
            LogReloadRejected(_logger, ex.Message);
        }
        catch (InvalidOperationException ex)
        {
            // The configuration binder reports values it cannot convert this way.
            LogReloadRejected(_logger, ex.Message);
        }
    }

    [LoggerMessage(1, LogLevel.Information, "Offer catalog reloaded: {OfferCount} offers, {AdvertiserCount} advertisers.")]
    private static partial void LogReloaded(ILogger logger, int offerCount, int advertiserCount);

    [LoggerMessage(2, LogLevel.Error, "Offer catalog configuration changed but is invalid; the previous catalog stays in use. {Problems}")]
    private static partial void LogReloadRejected(ILogger logger, string problems);

    private sealed class Snapshot
    {
        public Snapshot(OfferCatalogOptions options)
        {
            var advertisers = new Dictionary<string, Advertiser>(StringComparer.Ordinal);
            foreach (var a in options.Advertisers)
            {
                advertisers[a.Id] = new Advertiser
                {
                    Id = a.Id,
                    Name = a.Name,
                    PostbackSecrets = [.. a.PostbackSecrets],
                    PostbackTokens = [.. a.PostbackTokens],
                };
            }

            var offers = new Dictionary<string, Offer>(StringComparer.Ordinal);
            foreach (var o in options.Offers)
            {
                offers[o.Id] = new Offer
                {
                    Id = o.Id,
                    Name = o.Name,
                    AdvertiserId = o.AdvertiserId,
                    UrlTemplate = o.UrlTemplate,
                    Status = o.Status,
                    Currency = o.Currency.ToUpperInvariant(),
                    Revenue = new CommissionRule(o.Revenue.Kind, o.Revenue.Value),
                    Payout = new CommissionRule(o.Payout.Kind, o.Payout.Value),
                    AttributionWindow = o.AttributionWindow,
                };
            }

            Offers = offers.ToFrozenDictionary(StringComparer.Ordinal);
            Advertisers = advertisers.ToFrozenDictionary(StringComparer.Ordinal);
            OfferList = [.. Offers.Values];
            AdvertiserList = [.. Advertisers.Values];
        }

        public Offer[] OfferList { get; }

        public Advertiser[] AdvertiserList { get; }

        public FrozenDictionary<string, Offer> Offers { get; }

        public FrozenDictionary<string, Advertiser> Advertisers { get; }
    }
}
