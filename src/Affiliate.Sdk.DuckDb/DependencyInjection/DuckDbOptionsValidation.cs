using System.Text.RegularExpressions;
using Affiliate.Sdk.DuckDb;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.Medallion;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.DependencyInjection;

/// <summary>Checks <see cref="DuckDbMedallionOptions"/> at start; every message names the setting.</summary>
internal sealed partial class DuckDbMedallionOptionsValidator : IValidateOptions<DuckDbMedallionOptions>
{
    private const string P = DuckDbMedallionOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, DuckDbMedallionOptions options)
    {
        var errors = new List<string>();
        if (!Enum.IsDefined(options.BronzeSource))
        {
            errors.Add($"{P}:BronzeSource must be LocalDirectory or BlobStore (was {options.BronzeSource}).");
        }

        if (options.BronzeCacheDirectory is { } cache && string.IsNullOrWhiteSpace(cache))
        {
            errors.Add($"{P}:BronzeCacheDirectory must name a directory when set.");
        }

        if (options.BronzeSource == DuckDbBronzeSource.LocalDirectory && string.IsNullOrWhiteSpace(options.LakeRoot))
        {
            errors.Add($"{P}:LakeRoot must name the lake's directory.");
        }

        if (string.IsNullOrWhiteSpace(options.StateDirectory))
        {
            errors.Add($"{P}:StateDirectory must name the directory of the engine's database.");
        }

        if (options.Interval <= TimeSpan.Zero || options.Interval > TimeSpan.FromDays(1))
        {
            errors.Add($"{P}:Interval must be positive and at most a day (was {options.Interval}).");
        }

        if (options.MaxFilesPerBatch < 1)
        {
            errors.Add($"{P}:MaxFilesPerBatch must be at least 1 (was {options.MaxFilesPerBatch}).");
        }

        if (options.Threads is < 1)
        {
            errors.Add($"{P}:Threads must be at least 1 when set (was {options.Threads}).");
        }

        if (options.MemoryLimit is { } limit && !string.IsNullOrWhiteSpace(limit) && !MemoryLimitPattern().IsMatch(limit))
        {
            errors.Add($"{P}:MemoryLimit must be a size such as 512MB or 4GB (was '{limit}').");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    [GeneratedRegex("^[0-9]+(\\.[0-9]+)?\\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex MemoryLimitPattern();
}

/// <summary>Checks <see cref="MedallionOptions"/> at start; every message names the setting.</summary>
internal sealed class MedallionOptionsValidator : IValidateOptions<MedallionOptions>
{
    private const string P = DuckDbAffiliateSdkBuilderExtensions.MedallionSectionName;

    public ValidateOptionsResult Validate(string? name, MedallionOptions options)
    {
        var errors = new List<string>();
        if (!Money.TryNormalizeCurrency(options.ReportCurrency, out _))
        {
            errors.Add($"{P}:ReportCurrency must be an ISO-4217 code such as USD (was '{options.ReportCurrency}').");
        }

        foreach (var (currency, rate) in options.ExchangeRates)
        {
            if (!Money.TryNormalizeCurrency(currency, out _))
            {
                errors.Add($"{P}:ExchangeRates:{currency} is not an ISO-4217 code.");
            }
            else if (rate <= 0m)
            {
                errors.Add($"{P}:ExchangeRates:{currency} must be positive (was {rate}).");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
