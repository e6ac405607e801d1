using Affiliate.Sdk.Events;
using Affiliate.Sdk.Offers;

namespace Affiliate.Sdk.Medallion;

/// <summary>
/// The medallion model as a plain in-memory function of a set of events: the reference the engines are tested
/// against. Not for production volumes (it holds everything in memory); use an engine.
/// </summary>
public static class MedallionReference
{
    /// <summary>Computes silver conversions and gold for a set of events.</summary>
    /// <param name="events">Every bronze event, duplicates included, any order.</param>
    /// <param name="catalog">The offer catalog.</param>
    /// <param name="options">Report currency and rates.</param>
    /// <param name="grain">Hourly or daily gold.</param>
    /// <returns>Silver conversions (ordered by event id) and gold rows.</returns>
    public static (IReadOnlyList<SilverConversion> Conversions, IReadOnlyDictionary<GoldKey, GoldMetrics> Gold) Compute(
        IEnumerable<TrackingEvent> events, IOfferCatalog catalog, MedallionOptions options, GoldGrain grain)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);

        var byId = new Dictionary<Guid, TrackingEvent>();
        foreach (var e in events)
        {
            if (!byId.TryGetValue(e.EventId, out var kept) || MedallionRules.SurvivorOrder.Compare(e, kept) < 0)
            {
                byId[e.EventId] = e;
            }
        }

        var clicksByClickId = new Dictionary<string, TrackingEvent>(StringComparer.Ordinal);
        foreach (var click in byId.Values.Where(e => e.Kind == EventKind.Click && e.ClickId is not null))
        {
            if (!clicksByClickId.TryGetValue(click.ClickId!, out var kept) || MedallionRules.SurvivorOrder.Compare(click, kept) < 0)
            {
                clicksByClickId[click.ClickId!] = click;
            }
        }

        var gold = new Dictionary<GoldKey, GoldMetrics>();
        var visitors = new Dictionary<GoldKey, HashSet<string>>();
        void Add(GoldKey key, GoldMetrics m) => gold[key] = gold.TryGetValue(key, out var cur) ? cur.Add(m) : m;

        foreach (var e in byId.Values)
        {
            switch (e.Kind)
            {
                case EventKind.Impression:
                    Add(KeyOf(e, e.OccurredAt, grain), GoldMetrics.Zero with { Impressions = 1 });
                    break;
                case EventKind.Click when e.IsBot:
                    Add(KeyOf(e, e.OccurredAt, grain), GoldMetrics.Zero with { BotClicks = 1 });
                    break;
                case EventKind.Click:
                    var key = KeyOf(e, e.OccurredAt, grain);
                    Add(key, GoldMetrics.Zero with { Clicks = 1 });
                    if (!visitors.TryGetValue(key, out var set))
                    {
                        visitors[key] = set = new HashSet<string>(StringComparer.Ordinal);
                    }

                    set.Add(MedallionRules.VisitorKey(e));
                    break;
            }
        }

        foreach (var (key, set) in visitors)
        {
            gold[key] = gold[key] with { UniqueClicks = set.Count };
        }

        // Conversions: attribute, then deduplicate by (offer, transaction id) or event id.
        var survivors = new Dictionary<(string? Offer, string Key), (TrackingEvent Conversion, TrackingEvent? Click, Offer? Offer, string? Reason)>();
        foreach (var conversion in byId.Values.Where(e => e.Kind == EventKind.Conversion))
        {
            TrackingEvent? click = null;
            if (conversion.ClickId is not null)
            {
                clicksByClickId.TryGetValue(conversion.ClickId, out click);
            }

            var reason = MedallionRules.Attribute(conversion, click, catalog, out var offer);
            var offerId = reason is null ? click!.OfferId : conversion.OfferId;
            var dedupKey = conversion.TransactionId is { } txn ? (offerId, "t:" + txn) : (offerId, "e:" + conversion.EventId.ToString("D"));
            if (!survivors.TryGetValue(dedupKey, out var kept) || MedallionRules.SurvivorOrder.Compare(conversion, kept.Conversion) < 0)
            {
                survivors[dedupKey] = (conversion, reason is null ? click : null, offer, reason);
            }
        }

        var silver = new List<SilverConversion>();
        foreach (var (conversion, click, offer, reason) in survivors.Values)
        {
            var status = conversion.Status ?? ConversionStatus.Approved;
            if (reason is not null)
            {
                silver.Add(new SilverConversion(conversion.EventId, conversion.OccurredAt, null, null, status, 0m, 0m, reason));
                continue;
            }

            var key = KeyOf(click!, conversion.OccurredAt, grain);
            var hasMoney = MedallionRules.TryComputeMoney(offer!, conversion.SaleAmount, options, out var revenue, out var payout);
            silver.Add(new SilverConversion(
                conversion.EventId, conversion.OccurredAt, click!.EventId, key, status, revenue, payout, hasMoney ? null : UnattributedReason.NoExchangeRate));
            Add(key, status switch
            {
                ConversionStatus.Approved => GoldMetrics.Zero with { Conversions = 1, Revenue = revenue, Payout = payout },
                ConversionStatus.Pending => GoldMetrics.Zero with { PendingConversions = 1 },
                _ => GoldMetrics.Zero with { RejectedConversions = 1 },
            });
        }

        silver.Sort((a, b) => a.EventId.CompareTo(b.EventId));
        return (silver, gold);
    }

    /// <summary>The start of the UTC hour or day holding an instant.</summary>
    /// <param name="at">The instant.</param>
    /// <param name="grain">Hour or day.</param>
    /// <returns>The period start, offset zero.</returns>
    public static DateTimeOffset PeriodOf(DateTimeOffset at, GoldGrain grain)
    {
        var utc = at.UtcDateTime;
        var start = grain == GoldGrain.Hour
            ? new DateTime(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, DateTimeKind.Utc)
            : utc.Date;
        return new DateTimeOffset(start, TimeSpan.Zero);
    }

    private static GoldKey KeyOf(TrackingEvent dims, DateTimeOffset at, GoldGrain grain) =>
        new(PeriodOf(at, grain), dims.AffiliateId, dims.OfferId, dims.CampaignId, dims.Sub1, dims.Sub2, dims.Sub3, dims.Sub4, dims.Sub5, dims.Country);
}
