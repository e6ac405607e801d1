namespace Affiliate.Sdk.DependencyInjection;

/// <summary>Top-level settings of the SDK (configuration section <c>AffiliateSdk</c>).</summary>
public sealed class AffiliateSdkOptions
{
    /// <summary>The configuration section these options bind from by default.</summary>
    public const string SectionName = "AffiliateSdk";

    /// <summary>The signing keys of click ids.</summary>
    public ClickIdOptions ClickIds { get; set; } = new();
}

/// <summary>The click id key ring (<c>AffiliateSdk:ClickIds</c>).</summary>
public sealed class ClickIdOptions
{
    /// <summary>The id of the key that signs new click ids.</summary>
    public int ActiveKeyId { get; set; }

    /// <summary>Every key that verifies click ids: keep retired keys until their clicks are older than every attribution window.</summary>
    public IList<ClickIdKeyOptions> Keys { get; } = [];
}

/// <summary>One click id key.</summary>
public sealed class ClickIdKeyOptions
{
    /// <summary>Key id, 0–255, written into every click id it signs.</summary>
    public int Id { get; set; }

    /// <summary>The secret, base64, at least 32 bytes decoded. Keep it out of source control (environment, secret store).</summary>
    public string Secret { get; set; } = string.Empty;
}
