using System.Buffers;

namespace Affiliate.Sdk.Capture;

/// <summary>
/// Flags requests from bots by user-agent substrings (case-insensitive). Flagged events are still recorded:
/// silver counts bots apart, it never drops them.
/// </summary>
internal sealed class BotFilter
{
    /// <summary>The built-in patterns: crawlers, link previewers, monitors, HTTP libraries and headless browsers.</summary>
    internal static readonly string[] DefaultPatterns =
    [
        "bot", "crawl", "spider", "slurp", "scrape", "headless", "phantomjs", "selenium", "puppeteer", "playwright",
        "lighthouse", "pingdom", "uptime", "monitor", "facebookexternalhit", "embedly", "preview", "curl/", "wget/",
        "python-requests", "python-urllib", "aiohttp", "httpx", "go-http-client", "java/", "okhttp", "apache-httpclient",
        "libwww-perl", "node-fetch", "axios/", "postmanruntime", "insomnia", "httpie", "scrapy",
    ];

    private readonly SearchValues<string>? _patterns;
    private readonly bool _flagMissing;

    public BotFilter(CaptureOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var patterns = new List<string>();
        if (options.UseDefaultBotPatterns)
        {
            patterns.AddRange(DefaultPatterns);
        }

        foreach (var pattern in options.BotUserAgentPatterns)
        {
            if (!string.IsNullOrWhiteSpace(pattern))
            {
                patterns.Add(pattern);
            }
        }

        _patterns = patterns.Count == 0 ? null : SearchValues.Create(patterns.ToArray(), StringComparison.OrdinalIgnoreCase);
        _flagMissing = options.FlagMissingUserAgentAsBot;
    }

    /// <summary>Whether the user agent belongs to a bot.</summary>
    public bool IsBot(string? userAgent)
    {
        if (string.IsNullOrWhiteSpace(userAgent))
        {
            return _flagMissing;
        }

        return _patterns is not null && userAgent.AsSpan().ContainsAny(_patterns);
    }
}
