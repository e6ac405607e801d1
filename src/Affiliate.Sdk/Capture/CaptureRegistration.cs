using Affiliate.Sdk.DependencyInjection;
using Affiliate.Sdk.Offers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.Capture;

/// <summary>Registers the tracker, offer catalog, bot filter and IP anonymiser.</summary>
internal static class CaptureRegistration
{
    public static void Register(IServiceCollection services)
    {
        // Offers and Advertisers are lists directly under the AffiliateSdk section.
        services.AddOptions<OfferCatalogOptions>().BindSectionIfPresent(AffiliateSdkOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OfferCatalogOptions>, OfferCatalogOptionsValidator>());
        services.AddOptions<CaptureOptions>().BindSectionIfPresent(CaptureOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CaptureOptions>, CaptureOptionsValidator>());

        services.TryAddSingleton<IOfferCatalog, ConfigurationOfferCatalog>();
        services.TryAddSingleton<IAffiliateTracker, AffiliateTracker>();
    }
}
