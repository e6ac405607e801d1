using System.Text.Json.Serialization;

namespace Affiliate.Sdk.Events;

/// <summary>The kind of a tracking event.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<EventKind>))]
public enum EventKind
{
    /// <summary>An offer was shown (pixel or server-side report).</summary>
    [JsonStringEnumMemberName("impression")]
    Impression = 1,

    /// <summary>A visitor clicked an affiliate link and was redirected to the offer.</summary>
    [JsonStringEnumMemberName("click")]
    Click = 2,

    /// <summary>An advertiser reported a conversion (sale, lead, install) for a click.</summary>
    [JsonStringEnumMemberName("conversion")]
    Conversion = 3,
}

/// <summary>The advertiser's verdict on a conversion.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ConversionStatus>))]
public enum ConversionStatus
{
    /// <summary>Counted and paid.</summary>
    [JsonStringEnumMemberName("approved")]
    Approved = 1,

    /// <summary>Awaiting the advertiser's decision; counted apart.</summary>
    [JsonStringEnumMemberName("pending")]
    Pending = 2,

    /// <summary>Refused by the advertiser; counted apart, never paid.</summary>
    [JsonStringEnumMemberName("rejected")]
    Rejected = 3,
}
