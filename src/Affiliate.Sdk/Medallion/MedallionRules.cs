using Affiliate.Sdk.Events;
using Affiliate.Sdk.Offers;

namespace Affiliate.Sdk.Medallion;

/// <summary>Why a conversion is not attributed to a click (see docs/data-model.md).</summary>
public static class UnattributedReason
{
    /// <summary>No click has the conversion's click id.</summary>
    public const string UnknownClick = "unknown_click";

    /// <summary>The conversion happened before the click.</summary>
    public const string BeforeClick = "before_click";

    /// <summary>The conversion happened after the offer's attribution window.</summary>
    public const string OutsideWindow = "outside_window";

    /// <summary>The click's offer is not in the catalog.</summary>
    public const string UnknownOffer = "unknown_offer";

    /// <summary>A currency involved has no configured exchange rate (the conversion is attributed but carries no money).</summary>
    public const string NoExchangeRate = "no_exchange_rate";
}

/// <summary>
/// The medallion model's rules, defined once: survivor choice among duplicates, attribution, and money.
/// Every engine applies exactly these (the SQL engines mirror them; the property tests hold them to it).
/// </summary>
public static class MedallionRules
{
    /// <summary>Decimal places money is rounded to after every multiplication.</summary>
    public const int MoneyScale = 6;

    /// <summary>
    /// Orders duplicates: the survivor is the smallest — earliest occurred_at, then earliest received_at, then smallest
    /// event id as lower-case text. Depends only on the events, never on arrival.
    /// </summary>
    public static IComparer<TrackingEvent> SurvivorOrder { get; } = Comparer<TrackingEvent>.Create(CompareSurvivor);

    /// <summary>The visitor key of a click: anonymised IP and user agent.</summary>
    /// <param name="click">The click.</param>
    /// <returns><c>ip_hash + '|' + user_agent</c>, missing parts empty.</returns>
    public static string VisitorKey(TrackingEvent click)
    {
        ArgumentNullException.ThrowIfNull(click);
        return string.Concat(click.IpHash ?? string.Empty, "|", click.UserAgent ?? string.Empty);
    }

    /// <summary>Decides whether a conversion is attributed to a click.</summary>
    /// <param name="conversion">The conversion.</param>
    /// <param name="click">The click with the same click id, if any.</param>
    /// <param name="catalog">The offer catalog (for the window).</param>
    /// <param name="offer">The click's offer when attributed.</param>
    /// <returns><see langword="null"/> when attributed, otherwise an <see cref="UnattributedReason"/>.</returns>
    public static string? Attribute(TrackingEvent conversion, TrackingEvent? click, IOfferCatalog catalog, out Offer? offer)
    {
        ArgumentNullException.ThrowIfNull(conversion);
        ArgumentNullException.ThrowIfNull(catalog);
        offer = null;
        if (click is null)
        {
            return UnattributedReason.UnknownClick;
        }

        if (click.OfferId is null || !catalog.TryGetOffer(click.OfferId, out offer))
        {
            offer = null;
            return UnattributedReason.UnknownOffer;
        }

        if (conversion.OccurredAt < click.OccurredAt)
        {
            offer = null;
            return UnattributedReason.BeforeClick;
        }

        if (conversion.OccurredAt > click.OccurredAt + offer.AttributionWindow)
        {
            offer = null;
            return UnattributedReason.OutsideWindow;
        }

        return null;
    }

    /// <summary>Computes revenue and payout of an attributed conversion in the report currency.</summary>
    /// <param name="offer">The click's offer.</param>
    /// <param name="saleAmount">The sale amount reported, if any.</param>
    /// <param name="options">Report currency and exchange rates.</param>
    /// <param name="revenue">Revenue in the report currency.</param>
    /// <param name="payout">Payout in the report currency.</param>
    /// <returns><see langword="true"/> when every currency involved has a rate; otherwise both amounts are 0.</returns>
    public static bool TryComputeMoney(Offer offer, Money? saleAmount, MedallionOptions options, out decimal revenue, out decimal payout)
    {
        ArgumentNullException.ThrowIfNull(offer);
        ArgumentNullException.ThrowIfNull(options);
        revenue = 0m;
        payout = 0m;
        if (!TryRate(offer.Currency, options, out var offerToReport))
        {
            return false;
        }

        var saleInOffer = 0m;
        if (saleAmount is { } sale && (offer.Revenue.Kind == CommissionKind.RevenueShare || offer.Payout.Kind == CommissionKind.RevenueShare))
        {
            if (!TryRate(sale.Currency, options, out var saleToReport))
            {
                return false;
            }

            // Sale → report currency → offer currency, each step rounded like the SQL engines.
            saleInOffer = string.Equals(sale.Currency, offer.Currency, StringComparison.OrdinalIgnoreCase)
                ? sale.Amount
                : Round(Round(sale.Amount * saleToReport) / offerToReport);
        }

        revenue = Round(Commission(offer.Revenue, saleInOffer) * offerToReport);
        payout = Round(Commission(offer.Payout, saleInOffer) * offerToReport);
        return true;
    }

    /// <summary>Rounds money to <see cref="MoneyScale"/> places, half away from zero.</summary>
    /// <param name="value">The amount.</param>
    /// <returns>The rounded amount.</returns>
    public static decimal Round(decimal value) => Math.Round(value, MoneyScale, MidpointRounding.AwayFromZero);

    private static decimal Commission(CommissionRule rule, decimal saleInOffer) => rule.Kind switch
    {
        CommissionKind.Flat => rule.Value,
        CommissionKind.RevenueShare => Round(saleInOffer * rule.Value / 100m),
        _ => 0m,
    };

    private static bool TryRate(string currency, MedallionOptions options, out decimal rate)
    {
        if (string.Equals(currency, options.ReportCurrency, StringComparison.OrdinalIgnoreCase))
        {
            rate = 1m;
            return true;
        }

        return options.ExchangeRates.TryGetValue(currency, out rate) && rate > 0m;
    }

    private static int CompareSurvivor(TrackingEvent? a, TrackingEvent? b)
    {
        if (ReferenceEquals(a, b))
        {
            return 0;
        }

        if (a is null)
        {
            return -1;
        }

        if (b is null)
        {
            return 1;
        }

        var c = a.OccurredAt.UtcTicks.CompareTo(b.OccurredAt.UtcTicks);
        if (c != 0)
        {
            return c;
        }

        c = a.ReceivedAt.UtcTicks.CompareTo(b.ReceivedAt.UtcTicks);
        return c != 0 ? c : string.CompareOrdinal(a.EventId.ToString("D"), b.EventId.ToString("D"));
    }
}
