using System.Security.Cryptography;
using System.Text;
using Affiliate.Sdk.Offers;

namespace Affiliate.Sdk.AspNetCore.Capture;

/// <summary>Why a postback was or was not authenticated.</summary>
internal enum PostbackAuthStatus
{
    Authenticated = 0,
    MissingCredentials = 1,
    BadCredentials = 2,
}

/// <summary>
/// Authenticates postbacks: a signature (<c>sig=</c>) under any secret, or a token (<c>token=</c>) equal to any token,
/// of the advertiser named by <c>adv=</c> — or, without <c>adv=</c>, of any configured advertiser. Comparisons are
/// constant-time; an unknown <c>adv</c> fails like a bad credential.
/// </summary>
internal static class PostbackAuthenticator
{
    public const string AdvertiserParameter = "adv";
    public const string TokenParameter = "token";

    public static PostbackAuthStatus Authenticate(IReadOnlyList<KeyValuePair<string, string>> parameters, IOfferCatalog catalog, out string? advertiserId)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(catalog);
        advertiserId = null;
        string? sig = null, token = null, adv = null;
        foreach (var (name, value) in parameters)
        {
            switch (name)
            {
                case PostbackSignature.SignatureParameter: sig = value; break;
                case TokenParameter: token = value; break;
                case AdvertiserParameter: adv = value; break;
            }
        }

        if (string.IsNullOrEmpty(sig) && string.IsNullOrEmpty(token))
        {
            return PostbackAuthStatus.MissingCredentials;
        }

        IReadOnlyCollection<Advertiser> candidates;
        if (!string.IsNullOrEmpty(adv))
        {
            if (!catalog.TryGetAdvertiser(adv, out var only))
            {
                return PostbackAuthStatus.BadCredentials;
            }

            candidates = [only];
        }
        else
        {
            candidates = catalog.Advertisers;
        }

        if (!string.IsNullOrEmpty(sig))
        {
            Span<byte> signature = stackalloc byte[HMACSHA256.HashSizeInBytes];
            if (!PostbackSignature.TryParseHex(sig, signature))
            {
                return PostbackAuthStatus.BadCredentials;
            }

            var canonical = Encoding.UTF8.GetBytes(PostbackSignature.Canonicalize(parameters));
            foreach (var advertiser in candidates)
            {
                foreach (var secret in advertiser.PostbackSecrets)
                {
                    if (PostbackSignature.Verify(canonical, signature, secret))
                    {
                        advertiserId = advertiser.Id;
                        return PostbackAuthStatus.Authenticated;
                    }
                }
            }

            return PostbackAuthStatus.BadCredentials;
        }

        var given = Encoding.UTF8.GetBytes(token!);
        foreach (var advertiser in candidates)
        {
            foreach (var expected in advertiser.PostbackTokens)
            {
                if (CryptographicOperations.FixedTimeEquals(given, Encoding.UTF8.GetBytes(expected)))
                {
                    advertiserId = advertiser.Id;
                    return PostbackAuthStatus.Authenticated;
                }
            }
        }

        return PostbackAuthStatus.BadCredentials;
    }
}
