using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.DependencyInjection;

/// <summary>Options binding shared by the SDK's registrations and by adapter packages.</summary>
public static class AffiliateSdkOptionsBuilderExtensions
{
    /// <summary>
    /// Binds options from a configuration section when the container has an <see cref="IConfiguration"/>
    /// (ASP.NET and generic hosts do), and reloads them when it changes; plain containers without configuration keep the
    /// code-set values. Adapter packages bind their <c>AffiliateSdk:&lt;Adapter&gt;</c> section with it.
    /// </summary>
    /// <typeparam name="T">The options type.</typeparam>
    /// <param name="builder">The options builder.</param>
    /// <param name="sectionPath">The section, e.g. <c>AffiliateSdk:Kafka</c>.</param>
    /// <returns>The builder, for chaining.</returns>
    public static OptionsBuilder<T> BindSectionIfPresent<T>(this OptionsBuilder<T> builder, string sectionPath)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(builder);
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
