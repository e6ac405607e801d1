using Microsoft.Extensions.DependencyInjection;

namespace Affiliate.Sdk.LocalLog;

/// <summary>Registers the durable local log (the default stream).</summary>
internal static class LocalLogRegistration
{
    public static void Register(IServiceCollection services)
    {
        _ = services;
    }
}
