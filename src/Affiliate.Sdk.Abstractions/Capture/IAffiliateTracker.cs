using System.Net;
using Affiliate.Sdk.Events;

namespace Affiliate.Sdk.Capture;

/// <summary>Facts about the client that made a request; the tracker anonymises the address and flags bots.</summary>
public sealed record ClientInfo
{
    /// <summary>The client's address (anonymised before it is stored).</summary>
    public IPAddress? IpAddress { get; init; }

    /// <summary>The User-Agent header.</summary>
    public string? UserAgent { get; init; }

    /// <summary>The Referer header.</summary>
    public string? Referrer { get; init; }

    /// <summary>ISO-3166 alpha-2 country, when a geo lookup upstream supplied it.</summary>
    public string? Country { get; init; }
}

/// <summary>The affiliate ids a click or impression carries.</summary>
public sealed record TrafficRequest
{
    /// <summary>The offer id.</summary>
    public required string OfferId { get; init; }

    /// <summary>The affiliate id.</summary>
    public required string AffiliateId { get; init; }

    /// <summary>Optional campaign id.</summary>
    public string? CampaignId { get; init; }

    /// <summary>Sub id 1.</summary>
    public string? Sub1 { get; init; }

    /// <summary>Sub id 2.</summary>
    public string? Sub2 { get; init; }

    /// <summary>Sub id 3.</summary>
    public string? Sub3 { get; init; }

    /// <summary>Sub id 4.</summary>
    public string? Sub4 { get; init; }

    /// <summary>Sub id 5.</summary>
    public string? Sub5 { get; init; }

    /// <summary>The client.</summary>
    public ClientInfo Client { get; init; } = new();
}

/// <summary>A conversion reported by an advertiser.</summary>
public sealed record ConversionRequest
{
    /// <summary>The click id the advertiser received in the redirect.</summary>
    public required string ClickId { get; init; }

    /// <summary>The advertiser's transaction id (deduplication key with the offer).</summary>
    public string? TransactionId { get; init; }

    /// <summary>The sale amount, for revenue-share offers.</summary>
    public Money? SaleAmount { get; init; }

    /// <summary>The advertiser's verdict; approved when not given.</summary>
    public ConversionStatus Status { get; init; } = ConversionStatus.Approved;

    /// <summary>When the conversion happened; now when not given.</summary>
    public DateTimeOffset? OccurredAt { get; init; }

    /// <summary>The client (normally the advertiser's server).</summary>
    public ClientInfo Client { get; init; } = new();
}

/// <summary>Why a tracking call did not record an event.</summary>
public enum TrackStatus
{
    /// <summary>The event was durably accepted.</summary>
    Accepted = 0,

    /// <summary>The input is invalid; see the errors.</summary>
    Invalid = 1,

    /// <summary>No offer has that id.</summary>
    OfferNotFound = 2,

    /// <summary>The offer is paused.</summary>
    OfferPaused = 3,
}

/// <summary>The outcome of a tracking call. Validation failures are values, not exceptions.</summary>
/// <param name="Status">Accepted, or why not.</param>
/// <param name="Event">The recorded event when accepted.</param>
/// <param name="Errors">The problems, each naming a field, when invalid.</param>
public sealed record TrackResult(TrackStatus Status, TrackingEvent? Event, IReadOnlyList<FieldError> Errors)
{
    /// <summary>Whether the event was accepted.</summary>
    public bool IsAccepted => Status == TrackStatus.Accepted;
}

/// <summary>The outcome of a click: the result and, when accepted, where to send the visitor.</summary>
/// <param name="Result">Accepted, or why not.</param>
/// <param name="ClickId">The signed click id issued.</param>
/// <param name="RedirectUrl">The offer's URL with macros expanded.</param>
public sealed record ClickResult(TrackResult Result, string? ClickId, string? RedirectUrl);

/// <summary>
/// Records events from application code, as the HTTP endpoints do: validates, flags bots, anonymises the address,
/// and completes only once the publisher has durably accepted the event.
/// </summary>
public interface IAffiliateTracker
{
    /// <summary>Records a click and issues its click id and redirect URL (from the offer catalog only).</summary>
    /// <param name="request">The click.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The outcome.</returns>
    /// <exception cref="PublishException">The publisher could not store the event durably; nothing was recorded (HTTP answers 503).</exception>
    ValueTask<ClickResult> TrackClickAsync(TrafficRequest request, CancellationToken cancellationToken);

    /// <summary>Records an impression.</summary>
    /// <param name="request">The impression.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The outcome.</returns>
    /// <exception cref="PublishException">The publisher could not store the event durably; nothing was recorded (HTTP answers 503).</exception>
    ValueTask<TrackResult> TrackImpressionAsync(TrafficRequest request, CancellationToken cancellationToken);

    /// <summary>Records a conversion (already authenticated by the caller). Unknown click ids are recorded too: silver keeps them as unattributed.</summary>
    /// <param name="request">The conversion.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The outcome.</returns>
    /// <exception cref="PublishException">The publisher could not store the event durably; nothing was recorded (HTTP answers 503).</exception>
    ValueTask<TrackResult> TrackConversionAsync(ConversionRequest request, CancellationToken cancellationToken);

    /// <summary>Records complete events from a trusted server-side sender, after validation.</summary>
    /// <param name="events">The events.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>One outcome per event, in order; only valid events are published.</returns>
    /// <exception cref="PublishException">The publisher could not store the event durably; nothing was recorded (HTTP answers 503).</exception>
    ValueTask<IReadOnlyList<TrackResult>> TrackEventsAsync(IReadOnlyList<TrackingEvent> events, CancellationToken cancellationToken);
}
