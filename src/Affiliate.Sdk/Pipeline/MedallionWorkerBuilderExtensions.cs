using Affiliate.Sdk.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.DependencyInjection;

/// <summary>Registers the <see cref="MedallionWorker"/> that runs whichever <see cref="IMedallionEngine"/> is registered.</summary>
public static class MedallionWorkerBuilderExtensions
{
    /// <summary>Adds the medallion worker (a hosted service); engine packages call this from their own registration.</summary>
    /// <param name="builder">The SDK builder.</param>
    /// <param name="configure">Changes the worker's interval and back-off.</param>
    /// <returns>The builder.</returns>
    public static AffiliateSdkBuilder AddMedallionWorker(this AffiliateSdkBuilder builder, Action<MedallionWorkerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<MedallionWorkerOptions>().BindSectionIfPresent(MedallionWorkerOptions.SectionName);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MedallionWorkerOptions>, MedallionWorkerOptionsValidator>());
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddHostedService<MedallionWorker>();
        return builder;
    }
}

/// <summary>Checks <see cref="MedallionWorkerOptions"/> at start.</summary>
internal sealed class MedallionWorkerOptionsValidator : IValidateOptions<MedallionWorkerOptions>
{
    public ValidateOptionsResult Validate(string? name, MedallionWorkerOptions options)
    {
        var errors = new List<string>();
        if (options.Interval <= TimeSpan.Zero)
        {
            errors.Add($"{MedallionWorkerOptions.SectionName}:Interval must be positive (was {options.Interval}).");
        }

        if (options.MaxBackoff < options.Interval)
        {
            errors.Add($"{MedallionWorkerOptions.SectionName}:MaxBackoff ({options.MaxBackoff}) must be at least {MedallionWorkerOptions.SectionName}:Interval ({options.Interval}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
