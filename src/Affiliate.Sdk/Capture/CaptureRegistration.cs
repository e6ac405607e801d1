using Microsoft.Extensions.DependencyInjection;

namespace Affiliate.Sdk.Capture;

/// <summary>Registers the tracker, offer catalog, bot filter and IP anonymiser.</summary>
internal static class CaptureRegistration
{
    public static void Register(IServiceCollection services)
    {
        _ = services;
    }
}
