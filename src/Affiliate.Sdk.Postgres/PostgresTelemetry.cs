namespace Affiliate.Sdk.Postgres;

/// <summary>Names of the package's meter and activity source, for <c>AddMeter</c> / <c>AddSource</c> in OpenTelemetry.</summary>
public static class PostgresTelemetry
{
    /// <summary>The name of the meter and activity source of <c>Affiliate.Sdk.Postgres</c>.</summary>
    public const string Name = "Affiliate.Sdk.Postgres";
}
