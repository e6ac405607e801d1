namespace Affiliate.Sdk.Events;

/// <summary>One problem found in an event: the field (JSON name) and what is wrong with it.</summary>
/// <param name="Field">The JSON name of the offending field, e.g. <c>offer_id</c>.</param>
/// <param name="Message">What is wrong, in a sentence a sender can act on.</param>
public sealed record FieldError(string Field, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{Field}: {Message}";
}

/// <summary>
/// Checks an event against the contract. Validation failures are values: this never throws for bad input.
/// </summary>
public static class TrackingEventValidator
{
    /// <summary>Validates an event.</summary>
    /// <param name="e">The event.</param>
    /// <param name="now">The current time, for the future-time check.</param>
    /// <returns>The problems found; empty when the event is valid.</returns>
    public static IReadOnlyList<FieldError> Validate(TrackingEvent e, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(e);
        // Hot path (every captured event): no closures or delegates, nothing allocated for a valid event.
        List<FieldError>? errors = null;

        if (e.EventId == Guid.Empty)
        {
            Add(ref errors, "event_id", "must be a non-empty UUID");
        }

        if (!Enum.IsDefined(e.Kind))
        {
            Add(ref errors, "kind", "must be impression, click or conversion");
        }

        if (e.SchemaVersion < 1 || e.SchemaVersion > TrackingEvent.CurrentSchemaVersion)
        {
            Add(ref errors, "schema_version", $"must be between 1 and {TrackingEvent.CurrentSchemaVersion}");
        }

        if (e.OccurredAt > now + TrackingEventLimits.MaxClockSkew)
        {
            Add(ref errors, "occurred_at", "is in the future");
        }

        if (e.OccurredAt.Year < 2000)
        {
            Add(ref errors, "occurred_at", "is before the year 2000");
        }

        CheckId(e.ClickId, "click_id", TrackingEventLimits.MaxIdLength, ref errors);
        CheckId(e.OfferId, "offer_id", TrackingEventLimits.MaxIdLength, ref errors);
        CheckId(e.AffiliateId, "affiliate_id", TrackingEventLimits.MaxIdLength, ref errors);
        CheckId(e.CampaignId, "campaign_id", TrackingEventLimits.MaxIdLength, ref errors);
        CheckId(e.TransactionId, "transaction_id", TrackingEventLimits.MaxIdLength, ref errors);
        CheckLength(e.Sub1, "sub1", TrackingEventLimits.MaxSubLength, ref errors);
        CheckLength(e.Sub2, "sub2", TrackingEventLimits.MaxSubLength, ref errors);
        CheckLength(e.Sub3, "sub3", TrackingEventLimits.MaxSubLength, ref errors);
        CheckLength(e.Sub4, "sub4", TrackingEventLimits.MaxSubLength, ref errors);
        CheckLength(e.Sub5, "sub5", TrackingEventLimits.MaxSubLength, ref errors);
        CheckLength(e.UserAgent, "user_agent", TrackingEventLimits.MaxUserAgentLength, ref errors);
        CheckLength(e.Referrer, "referrer", TrackingEventLimits.MaxReferrerLength, ref errors);
        CheckLength(e.IpHash, "ip_hash", TrackingEventLimits.MaxIpHashLength, ref errors);

        if (e.Country is not null && (e.Country.Length != 2 || !char.IsAsciiLetterUpper(e.Country[0]) || !char.IsAsciiLetterUpper(e.Country[1])))
        {
            Add(ref errors, "country", "must be an upper-case ISO-3166 alpha-2 code");
        }

        switch (e.Kind)
        {
            case EventKind.Click:
                Require(e.ClickId, "click_id", "a click", ref errors);
                Require(e.OfferId, "offer_id", "a click", ref errors);
                Require(e.AffiliateId, "affiliate_id", "a click", ref errors);
                NotFor(e, "a click", ref errors);
                break;
            case EventKind.Impression:
                Require(e.OfferId, "offer_id", "an impression", ref errors);
                Require(e.AffiliateId, "affiliate_id", "an impression", ref errors);
                NotFor(e, "an impression", ref errors);
                break;
            case EventKind.Conversion:
                Require(e.ClickId, "click_id", "a conversion", ref errors);
                if (e.Status is null || !Enum.IsDefined(e.Status.Value))
                {
                    Add(ref errors, "status", "is required for a conversion (approved, pending or rejected)");
                }

                if (e.SaleAmount is { Amount: < 0 })
                {
                    Add(ref errors, "sale_amount", "must not be negative");
                }

                break;
        }

        return errors ?? (IReadOnlyList<FieldError>)[];
    }

    private static void NotFor(TrackingEvent e, string what, ref List<FieldError>? errors)
    {
        if (e.TransactionId is not null)
        {
            Add(ref errors, "transaction_id", $"is only for conversions, not {what}");
        }

        if (e.Status is not null)
        {
            Add(ref errors, "status", $"is only for conversions, not {what}");
        }

        if (e.SaleAmount is not null || e.Revenue is not null || e.Payout is not null)
        {
            Add(ref errors, "sale_amount", $"money fields are only for conversions, not {what}");
        }
    }

    private static void Require(string? value, string field, string what, ref List<FieldError>? errors)
    {
        if (string.IsNullOrEmpty(value))
        {
            Add(ref errors, field, $"is required for {what}");
        }
    }

    private static void CheckId(string? value, string field, int max, ref List<FieldError>? errors)
    {
        if (value is null)
        {
            return;
        }

        if (value.Length == 0 || value.Length > max)
        {
            Add(ref errors, field, $"must be 1 to {max} characters");
            return;
        }

        foreach (var c in value)
        {
            if (char.IsControl(c))
            {
                Add(ref errors, field, "must not contain control characters");
                return;
            }
        }
    }

    private static void CheckLength(string? value, string field, int max, ref List<FieldError>? errors)
    {
        if (value is not null && value.Length > max)
        {
            Add(ref errors, field, $"must be at most {max} characters");
        }
    }

    private static void Add(ref List<FieldError>? errors, string field, string message) => (errors ??= []).Add(new FieldError(field, message));
}
