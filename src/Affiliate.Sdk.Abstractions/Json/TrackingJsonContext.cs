using System.Text.Json.Serialization;
using Affiliate.Sdk.Events;

namespace Affiliate.Sdk.Json;

/// <summary>
/// The source-generated System.Text.Json contract of tracking events: snake_case names, enums as lower-case
/// strings, nulls omitted, unknown properties ignored (forward compatibility), required properties enforced.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    RespectNullableAnnotations = true,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(TrackingEvent))]
[JsonSerializable(typeof(TrackingEvent[]))]
[JsonSerializable(typeof(List<TrackingEvent>))]
public sealed partial class TrackingJsonContext : JsonSerializerContext;
