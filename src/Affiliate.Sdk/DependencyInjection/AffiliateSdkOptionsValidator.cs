using Affiliate.Sdk.ClickIds;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.DependencyInjection;

/// <summary>Checks <see cref="AffiliateSdkOptions"/> at start; every message names the setting.</summary>
internal sealed class AffiliateSdkOptionsValidator : IValidateOptions<AffiliateSdkOptions>
{
    public ValidateOptionsResult Validate(string? name, AffiliateSdkOptions options)
    {
        var errors = new List<string>();
        var clickIds = options.ClickIds;
        const string prefix = AffiliateSdkOptions.SectionName + ":ClickIds";
        if (clickIds.Keys.Count == 0)
        {
            errors.Add($"{prefix}:Keys must hold at least one key (Id and base64 Secret of at least {ClickIdKeyRing.MinSecretLength} bytes).");
        }

        var seen = new HashSet<int>();
        for (var i = 0; i < clickIds.Keys.Count; i++)
        {
            var key = clickIds.Keys[i];
            if (key.Id is < 0 or > 255)
            {
                errors.Add($"{prefix}:Keys:{i}:Id must be between 0 and 255 (was {key.Id}).");
            }
            else if (!seen.Add(key.Id))
            {
                errors.Add($"{prefix}:Keys:{i}:Id {key.Id} is used by another key.");
            }

            if (!IsLongEnoughBase64(key.Secret))
            {
                errors.Add($"{prefix}:Keys:{i}:Secret must be base64 of at least {ClickIdKeyRing.MinSecretLength} bytes.");
            }
        }

        if (clickIds.Keys.Count > 0 && !seen.Contains(clickIds.ActiveKeyId))
        {
            errors.Add($"{prefix}:ActiveKeyId {clickIds.ActiveKeyId} is not the id of any key in {prefix}:Keys.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static bool IsLongEnoughBase64(string secret)
    {
        Span<byte> buffer = stackalloc byte[1024];
        return !string.IsNullOrEmpty(secret)
            && Convert.TryFromBase64String(secret, buffer, out var written)
            && written >= ClickIdKeyRing.MinSecretLength;
    }
}
