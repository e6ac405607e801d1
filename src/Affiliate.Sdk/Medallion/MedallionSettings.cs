namespace Affiliate.Sdk.Medallion;

/// <summary>Settings of the medallion model shared by every engine (configuration section <c>AffiliateSdk:Medallion</c>).</summary>
public sealed class MedallionOptions
{
    /// <summary>The ISO-4217 currency gold money is reported in.</summary>
    public string ReportCurrency { get; set; } = "USD";

    /// <summary>
    /// Exchange rates into the report currency: how many units of the report currency one unit of the key
    /// currency is worth (e.g. <c>"EUR": 1.08</c> when reporting in USD). The report currency itself is always 1.
    /// </summary>
    public IDictionary<string, decimal> ExchangeRates { get; } = new Dictionary<string, decimal>(StringComparer.OrdinalIgnoreCase);
}
