using System.Text.Json;
using Affiliate.Sdk.Offers;

namespace Affiliate.Sdk.SampleHost;

/// <summary><c>GET /api/offers</c>: every offer with its revenue and payout rules and attribution window; never secrets.</summary>
internal static class OfferListing
{
    public static async Task Write(HttpContext context)
    {
        var catalog = context.RequestServices.GetRequiredService<IOfferCatalog>();
        context.Response.ContentType = "application/json; charset=utf-8";
        await using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        writer.WriteStartObject();
        writer.WriteStartArray("offers");
        foreach (var offer in catalog.Offers.OrderBy(o => o.Id, StringComparer.Ordinal))
        {
            writer.WriteStartObject();
            writer.WriteString("id", offer.Id);
            writer.WriteString("name", offer.Name);
            writer.WriteString("advertiser_id", offer.AdvertiserId);
            writer.WriteString("status", offer.Status == OfferStatus.Active ? "active" : "paused");
            writer.WriteString("currency", offer.Currency);
            WriteRule(writer, "revenue", offer.Revenue);
            WriteRule(writer, "payout", offer.Payout);
            writer.WriteNumber("attribution_window_days", (decimal)offer.AttributionWindow.TotalDays);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted);
    }

    private static void WriteRule(Utf8JsonWriter writer, string name, CommissionRule rule)
    {
        writer.WriteStartObject(name);
        writer.WriteString("kind", rule.Kind == CommissionKind.Flat ? "flat" : "revenue_share");
        writer.WriteNumber(rule.Kind == CommissionKind.Flat ? "amount" : "percent", rule.Value);
        writer.WriteEndObject();
    }
}
