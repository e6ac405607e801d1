namespace Affiliate.Sdk.Medallion;

/// <summary>The time grain of a gold table.</summary>
public enum GoldGrain
{
    /// <summary>UTC hours (gold_hourly).</summary>
    Hour = 1,

    /// <summary>UTC dates (gold_daily).</summary>
    Day = 2,
}

/// <summary>The key of a gold row: the UTC period start and the dimensions.</summary>
/// <param name="Period">Start of the UTC hour or day.</param>
/// <param name="AffiliateId">Affiliate.</param>
/// <param name="OfferId">Offer.</param>
/// <param name="CampaignId">Campaign.</param>
/// <param name="Sub1">Sub id 1.</param>
/// <param name="Sub2">Sub id 2.</param>
/// <param name="Sub3">Sub id 3.</param>
/// <param name="Sub4">Sub id 4.</param>
/// <param name="Sub5">Sub id 5.</param>
/// <param name="Country">Country.</param>
public sealed record GoldKey(
    DateTimeOffset Period,
    string? AffiliateId,
    string? OfferId,
    string? CampaignId,
    string? Sub1,
    string? Sub2,
    string? Sub3,
    string? Sub4,
    string? Sub5,
    string? Country);

/// <summary>The additive metrics of a gold row (definitions in docs/data-model.md).</summary>
/// <param name="Impressions">Impressions.</param>
/// <param name="Clicks">Non-bot clicks.</param>
/// <param name="UniqueClicks">Distinct visitors among non-bot clicks.</param>
/// <param name="BotClicks">Bot clicks.</param>
/// <param name="Conversions">Approved attributed conversions.</param>
/// <param name="PendingConversions">Pending attributed conversions.</param>
/// <param name="RejectedConversions">Rejected attributed conversions.</param>
/// <param name="Revenue">Revenue of approved conversions, report currency.</param>
/// <param name="Payout">Payout of approved conversions, report currency.</param>
public sealed record GoldMetrics(
    long Impressions,
    long Clicks,
    long UniqueClicks,
    long BotClicks,
    long Conversions,
    long PendingConversions,
    long RejectedConversions,
    decimal Revenue,
    decimal Payout)
{
    /// <summary>All zeros.</summary>
    public static GoldMetrics Zero { get; } = new(0, 0, 0, 0, 0, 0, 0, 0m, 0m);

    /// <summary>Adds two rows' metrics (unique clicks add, as rows are disjoint periods or dimensions).</summary>
    /// <param name="other">The other metrics.</param>
    /// <returns>The sum.</returns>
    public GoldMetrics Add(GoldMetrics other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new(
            Impressions + other.Impressions,
            Clicks + other.Clicks,
            UniqueClicks + other.UniqueClicks,
            BotClicks + other.BotClicks,
            Conversions + other.Conversions,
            PendingConversions + other.PendingConversions,
            RejectedConversions + other.RejectedConversions,
            Revenue + other.Revenue,
            Payout + other.Payout);
    }
}

/// <summary>A conversion in silver: the survivor of its deduplication group, attributed or with the reason it is not.</summary>
/// <param name="EventId">The surviving conversion event.</param>
/// <param name="OccurredAt">When it happened.</param>
/// <param name="ClickEventId">The attributed click's event id.</param>
/// <param name="Key">The gold dimensions (from the click) and the conversion's period, when attributed.</param>
/// <param name="Status">Approved, pending or rejected.</param>
/// <param name="Revenue">Revenue in the report currency (0 when unattributed or without rate).</param>
/// <param name="Payout">Payout in the report currency (0 when unattributed or without rate).</param>
/// <param name="Reason">Why it is not attributed or carries no money; <see langword="null"/> when fully attributed.</param>
public sealed record SilverConversion(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid? ClickEventId,
    GoldKey? Key,
    Events.ConversionStatus Status,
    decimal Revenue,
    decimal Payout,
    string? Reason);
