using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.DependencyInjection;

/// <summary>Options binding shared by the SDK's registrations.</summary>
internal static class OptionsBuilderExtensions
{
    /// <summary>
    /// Binds options from a configuration section when the container has an <see cref="IConfiguration"/>
    /// (ASP.NET and generic hosts do); plain containers without configuration keep the code-set values.
    /// </summary>
    public static OptionsBuilder<T> BindSectionIfPresent<T>(this OptionsBuilder<T> builder, string sectionPath)
        where T : class
    {
        builder.Services.AddSingleton<IConfigureOptions<T>>(sp => new ConfigureNamedOptions<T>(builder.Name, options =>
        {
            if (sp.GetService<IConfiguration>() is { } configuration)
            {
                configuration.GetSection(sectionPath).Bind(options);
            }
        }));
        builder.Services.AddSingleton<IOptionsChangeTokenSource<T>>(sp =>
            sp.GetService<IConfiguration>() is { } configuration
                ? new ConfigurationChangeTokenSource<T>(builder.Name, configuration.GetSection(sectionPath))
                : new ConfigurationChangeTokenSource<T>(builder.Name, new ConfigurationBuilder().Build()));
        return builder;
    }
}
