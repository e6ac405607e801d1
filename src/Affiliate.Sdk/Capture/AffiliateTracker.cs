using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Affiliate.Sdk.ClickIds;
using Affiliate.Sdk.Diagnostics;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.Offers;
using Affiliate.Sdk.Pipeline;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.Capture;

/// <summary>
/// The tracker behind the HTTP endpoints and application code: validates, issues UUIDv7 event ids and signed click ids,
/// expands the offer's URL template (the destination only ever comes from the catalog), flags bots, anonymises the
/// address, truncates client strings, and completes only once the publisher has durably accepted the event.
/// </summary>
internal sealed partial class AffiliateTracker : IAffiliateTracker
{
    private static readonly IReadOnlyList<FieldError> NoErrors = [];

    private readonly IOfferCatalog _catalog;
    private readonly ClickIdCodec _codec;
    private readonly IEventPublisher _publisher;
    private readonly AffiliateSdkMetrics _metrics;
    private readonly Counter<long> _bots;
    private readonly Counter<long> _unverifiedClickIds;
    private readonly TimeProvider _time;
    private readonly ILogger<AffiliateTracker> _logger;
    private readonly BotFilter _botFilter;
    private readonly IpAnonymizer _anonymizer;
    private readonly int _maxUserAgent;
    private readonly int _maxReferrer;
    private readonly ConditionalWeakTable<Offer, OfferUrlTemplate> _templates = [];

    public AffiliateTracker(
        IOfferCatalog catalog,
        ClickIdCodec codec,
        IEventPublisher publisher,
        IOptions<CaptureOptions> options,
        AffiliateSdkMetrics metrics,
        TimeProvider time,
        ILogger<AffiliateTracker>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(metrics);
        _catalog = catalog;
        _codec = codec;
        _publisher = publisher;
        _metrics = metrics;
        _time = time;
        _logger = logger ?? NullLogger<AffiliateTracker>.Instance;
        var o = options.Value;
        _botFilter = new BotFilter(o);
        _anonymizer = new IpAnonymizer(o);
        _maxUserAgent = o.MaxUserAgentLength;
        _maxReferrer = o.MaxReferrerLength;
        _bots = metrics.Meter.CreateCounter<long>("affiliate.sdk.capture.bots", "{event}", "Clicks and impressions flagged as bots (recorded, counted apart).");
        _unverifiedClickIds = metrics.Meter.CreateCounter<long>(
            "affiliate.sdk.capture.unverified_click_ids", "{event}", "Conversions recorded with a click id this network did not sign (kept; silver leaves them unattributed).");
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<ClickResult> TrackClickAsync(TrafficRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var now = _time.GetUtcNow();
        var eventId = UuidV7.Create(now);
        var clickId = _codec.Issue(eventId);
        var trackingEvent = TrafficEvent(EventKind.Click, eventId, clickId, request, now);
        var refused = Check(trackingEvent, now, out var offer);
        if (refused is not null)
        {
            return new ClickResult(refused, null, null);
        }

        // Expand before publishing: a broken template must not leave a click without a redirect.
        var url = Template(offer!).Expand(new MacroValues(
            clickId, request.OfferId, request.AffiliateId, request.CampaignId, request.Sub1, request.Sub2, request.Sub3, request.Sub4, request.Sub5));
        await PublishAsync(trackingEvent, cancellationToken).ConfigureAwait(false);
        return new ClickResult(new TrackResult(TrackStatus.Accepted, trackingEvent, NoErrors), clickId, url);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<TrackResult> TrackImpressionAsync(TrafficRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var now = _time.GetUtcNow();
        var trackingEvent = TrafficEvent(EventKind.Impression, UuidV7.Create(now), null, request, now);
        var refused = Check(trackingEvent, now, out _);
        if (refused is not null)
        {
            return refused;
        }

        await PublishAsync(trackingEvent, cancellationToken).ConfigureAwait(false);
        return new TrackResult(TrackStatus.Accepted, trackingEvent, NoErrors);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<TrackResult> TrackConversionAsync(ConversionRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var now = _time.GetUtcNow();
        var client = request.Client ?? new ClientInfo();
        var trackingEvent = new TrackingEvent
        {
            EventId = UuidV7.Create(now),
            Kind = EventKind.Conversion,
            OccurredAt = request.OccurredAt ?? now,
            ReceivedAt = now,
            ClickId = request.ClickId,
            TransactionId = request.TransactionId,
            Status = request.Status,
            SaleAmount = request.SaleAmount,
            IpHash = _anonymizer.Anonymize(client.IpAddress),
            UserAgent = Truncate(client.UserAgent, _maxUserAgent),
            Referrer = Truncate(client.Referrer, _maxReferrer),
            Country = NormalizeCountry(client.Country),
        };

        var errors = TrackingEventValidator.Validate(trackingEvent, now);
        if (errors.Count > 0)
        {
            _metrics.Rejected("invalid");
            return new TrackResult(TrackStatus.Invalid, null, errors);
        }

        // Late, foreign or odd click ids are still recorded: silver keeps them as unattributed conversions.
        var verification = _codec.Verify(request.ClickId);
        if (!verification.IsValid)
        {
            _unverifiedClickIds.Add(1, new KeyValuePair<string, object?>("status", StatusTag(verification.Status)));
            LogUnverifiedClickId(_logger, trackingEvent.EventId, verification.Status);
        }

        await PublishAsync(trackingEvent, cancellationToken).ConfigureAwait(false);
        return new TrackResult(TrackStatus.Accepted, trackingEvent, NoErrors);
    }

    public async ValueTask<IReadOnlyList<TrackResult>> TrackEventsAsync(IReadOnlyList<TrackingEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        using var activity = AffiliateSdkTelemetry.ActivitySource.StartActivity("affiliate.capture.batch");
        activity?.SetTag("affiliate.batch.size", events.Count);
        var now = _time.GetUtcNow();
        var results = new TrackResult[events.Count];
        var valid = new List<TrackingEvent>(events.Count);
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            if (e is null)
            {
                results[i] = new TrackResult(TrackStatus.Invalid, null, [new FieldError("event", "must be an event object, not null")]);
                continue;
            }

            var errors = TrackingEventValidator.Validate(e, now);
            if (errors.Count > 0)
            {
                results[i] = new TrackResult(TrackStatus.Invalid, null, errors);
                continue;
            }

            // received_at is when the SDK received the event: now, whatever the sender wrote.
            var received = e with { ReceivedAt = now };
            valid.Add(received);
            results[i] = new TrackResult(TrackStatus.Accepted, received, NoErrors);
        }

        var rejected = events.Count - valid.Count;
        if (rejected > 0)
        {
            _metrics.Rejected("invalid", rejected);
        }

        activity?.SetTag("affiliate.batch.rejected", rejected);
        if (valid.Count > 0)
        {
            try
            {
                await _publisher.PublishBatchAsync(valid, cancellationToken).ConfigureAwait(false);
            }
            catch (PublishException ex)
            {
                _metrics.Rejected("publish_failed", valid.Count);
                LogPublishFailed(_logger, valid.Count, ex);
                throw;
            }

            foreach (var e in valid)
            {
                _metrics.Accepted(e.Kind);
            }
        }

        return results;
    }

    private TrackingEvent TrafficEvent(EventKind kind, Guid eventId, string? clickId, TrafficRequest request, DateTimeOffset now)
    {
        var client = request.Client ?? new ClientInfo();
        var isBot = _botFilter.IsBot(client.UserAgent);
        if (isBot)
        {
            _bots.Add(1, new KeyValuePair<string, object?>("kind", AffiliateSdkMetrics.KindTag(kind)));
        }

        return new TrackingEvent
        {
            EventId = eventId,
            Kind = kind,
            OccurredAt = now,
            ReceivedAt = now,
            ClickId = clickId,
            OfferId = request.OfferId,
            AffiliateId = request.AffiliateId,
            CampaignId = request.CampaignId,
            Sub1 = request.Sub1,
            Sub2 = request.Sub2,
            Sub3 = request.Sub3,
            Sub4 = request.Sub4,
            Sub5 = request.Sub5,
            IpHash = _anonymizer.Anonymize(client.IpAddress),
            UserAgent = Truncate(client.UserAgent, _maxUserAgent),
            Referrer = Truncate(client.Referrer, _maxReferrer),
            Country = NormalizeCountry(client.Country),
            IsBot = isBot,
        };
    }

    /// <summary>Validates a click or impression and finds its offer; returns the refusal, or null when it may be recorded.</summary>
    private TrackResult? Check(TrackingEvent trackingEvent, DateTimeOffset now, out Offer? offer)
    {
        offer = null;
        var errors = TrackingEventValidator.Validate(trackingEvent, now);
        if (errors.Count > 0)
        {
            _metrics.Rejected("invalid");
            return new TrackResult(TrackStatus.Invalid, null, errors);
        }

        if (!_catalog.TryGetOffer(trackingEvent.OfferId!, out offer))
        {
            _metrics.Rejected("offer_not_found");
            return new TrackResult(TrackStatus.OfferNotFound, null, [new FieldError("offer_id", $"no offer has the id '{trackingEvent.OfferId}'")]);
        }

        if (offer.Status != OfferStatus.Active)
        {
            _metrics.Rejected("offer_paused");
            return new TrackResult(TrackStatus.OfferPaused, null, [new FieldError("offer_id", $"offer '{offer.Id}' is paused")]);
        }

        return null;
    }

    private OfferUrlTemplate Template(Offer offer)
    {
        if (_templates.TryGetValue(offer, out var template))
        {
            return template;
        }

        if (!OfferUrlTemplate.TryParse(offer.UrlTemplate, out template, out var error))
        {
            // Only a custom catalog that skipped validation gets here: a configuration error, not bad input.
            throw new AffiliateSdkException($"The URL template of offer '{offer.Id}' {error}.", isRetryable: false);
        }

        return _templates.GetValue(offer, _ => template);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask PublishAsync(TrackingEvent trackingEvent, CancellationToken cancellationToken)
    {
        try
        {
            await _publisher.PublishAsync(trackingEvent, cancellationToken).ConfigureAwait(false);
        }
        catch (PublishException ex)
        {
            _metrics.Rejected("publish_failed");
            LogPublishFailed(_logger, 1, ex);
            throw;
        }

        _metrics.Accepted(trackingEvent.Kind);
    }

    internal static string? Truncate(string? value, int max)
    {
        if (value is null || value.Length <= max)
        {
            return value;
        }

        // Never end on a high surrogate: it would split a pair, or (a run of lone ones) keep half of nothing.
        var length = max;
        while (length > 0 && char.IsHighSurrogate(value[length - 1]))
        {
            length--;
        }

        return value[..length];
    }

    /// <summary>A geo lookup's country, upper-cased; anything but two ASCII letters is dropped rather than failing the event.</summary>
    internal static string? NormalizeCountry(string? country) =>
        country is [var a, var b] && char.IsAsciiLetter(a) && char.IsAsciiLetter(b)
            ? (char.IsAsciiLetterUpper(a) && char.IsAsciiLetterUpper(b) ? country : country.ToUpperInvariant())
            : null;

    private static string StatusTag(ClickIdStatus status) => status switch
    {
        ClickIdStatus.Malformed => "malformed",
        ClickIdStatus.UnknownKey => "unknown_key",
        ClickIdStatus.BadSignature => "bad_signature",
        _ => "valid",
    };

    [LoggerMessage(1, LogLevel.Warning, "The publisher could not durably accept {Count} event(s); nothing was acknowledged.")]
    private static partial void LogPublishFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(2, LogLevel.Information, "Conversion {EventId} carries a click id that does not verify ({Status}); it is recorded and will stay unattributed unless a click matches.")]
    private static partial void LogUnverifiedClickId(ILogger logger, Guid eventId, ClickIdStatus status);
}
