using Affiliate.Sdk.DependencyInjection;
using Affiliate.Sdk.Events;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.Offers;

/// <summary>Checks the configured offers and advertisers at start (and on reload); every message names the setting.</summary>
internal sealed class OfferCatalogOptionsValidator : IValidateOptions<OfferCatalogOptions>
{
    /// <summary>Shortest postback secret or token accepted.</summary>
    internal const int MinCredentialLength = 16;

    private const string Offers = AffiliateSdkOptions.SectionName + ":Offers";
    private const string Advertisers = AffiliateSdkOptions.SectionName + ":Advertisers";

    public ValidateOptionsResult Validate(string? name, OfferCatalogOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        var advertiserIds = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Advertisers.Count; i++)
        {
            var advertiser = options.Advertisers[i];
            var path = $"{Advertisers}:{i}";
            if (advertiser is null)
            {
                errors.Add($"{path} is empty.");
                continue;
            }

            if (!IsValidId(advertiser.Id))
            {
                errors.Add($"{path}:Id must be 1 to {TrackingEventLimits.MaxIdLength} characters without control characters.");
            }
            else if (!advertiserIds.Add(advertiser.Id))
            {
                errors.Add($"{path}:Id '{advertiser.Id}' is used by another advertiser.");
            }

            CheckCredentials(advertiser.PostbackSecrets, $"{path}:PostbackSecrets", errors);
            CheckCredentials(advertiser.PostbackTokens, $"{path}:PostbackTokens", errors);
        }

        var offerIds = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Offers.Count; i++)
        {
            var offer = options.Offers[i];
            var path = $"{Offers}:{i}";
            if (offer is null)
            {
                errors.Add($"{path} is empty.");
                continue;
            }

            if (!IsValidId(offer.Id))
            {
                errors.Add($"{path}:Id must be 1 to {TrackingEventLimits.MaxIdLength} characters without control characters.");
            }
            else if (!offerIds.Add(offer.Id))
            {
                errors.Add($"{path}:Id '{offer.Id}' is used by another offer.");
            }

            if (string.IsNullOrEmpty(offer.AdvertiserId) || !advertiserIds.Contains(offer.AdvertiserId))
            {
                errors.Add($"{path}:AdvertiserId '{offer.AdvertiserId}' is not the id of any advertiser in {Advertisers}.");
            }

            if (!OfferUrlTemplate.TryParse(offer.UrlTemplate, out _, out var templateError))
            {
                errors.Add($"{path}:UrlTemplate {templateError}.");
            }

            if (!Enum.IsDefined(offer.Status))
            {
                errors.Add($"{path}:Status must be Active or Paused.");
            }

            if (!Money.TryNormalizeCurrency(offer.Currency, out _))
            {
                errors.Add($"{path}:Currency must be an ISO-4217 code of three letters (was '{offer.Currency}').");
            }

            CheckRule(offer.Revenue, $"{path}:Revenue", errors);
            CheckRule(offer.Payout, $"{path}:Payout", errors);
            if (offer.AttributionWindow <= TimeSpan.Zero)
            {
                errors.Add($"{path}:AttributionWindow must be positive (d.hh:mm:ss, e.g. 30.00:00:00).");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void CheckCredentials(IList<string> credentials, string path, List<string> errors)
    {
        for (var j = 0; j < credentials.Count; j++)
        {
            if (string.IsNullOrEmpty(credentials[j]) || credentials[j].Length < MinCredentialLength)
            {
                errors.Add($"{path}:{j} must be at least {MinCredentialLength} characters.");
            }
        }
    }

    private static void CheckRule(CommissionRuleOptions? rule, string path, List<string> errors)
    {
        if (rule is null)
        {
            errors.Add($"{path} is empty.");
            return;
        }

        switch (rule.Kind)
        {
            case CommissionKind.Flat when rule.Value < 0 || rule.Value > Money.MaxAbsoluteAmount || rule.Value.Scale > Money.MaxScale:
                errors.Add($"{path}:Value must be a non-negative amount with at most {Money.MaxScale} decimal places.");
                break;
            case CommissionKind.RevenueShare when rule.Value < 0 || rule.Value > 100 || rule.Value.Scale > Money.MaxScale:
                errors.Add($"{path}:Value must be a percentage between 0 and 100 for RevenueShare.");
                break;
            case CommissionKind.Flat or CommissionKind.RevenueShare:
                break;
            default:
                errors.Add($"{path}:Kind must be Flat or RevenueShare.");
                break;
        }
    }

    private static bool IsValidId(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > TrackingEventLimits.MaxIdLength)
        {
            return false;
        }

        foreach (var c in id)
        {
            if (char.IsControl(c))
            {
                return false;
            }
        }

        return true;
    }
}
