namespace Affiliate.Sdk.SampleHost;

/// <summary>
/// Where the sample's offer catalogue comes from: <c>offers.json</c> beside the app by default, or the file given with
/// <c>--offers &lt;file.json&gt;</c>. The file holds <c>Offers</c> and <c>Advertisers</c>; it replaces the default
/// catalogue instead of merging with it (configuration arrays merge by index, which would mix two catalogues).
/// </summary>
internal static class SampleConfiguration
{
    private const string OffersSwitch = "--offers";

    /// <summary>The command line without <c>--offers &lt;file&gt;</c>, which is not a configuration key.</summary>
    public static string[] WithoutOffersArgument(string[] args)
    {
        var rest = new List<string>(args.Length);
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == OffersSwitch)
            {
                i++;
                continue;
            }

            if (args[i].StartsWith(OffersSwitch + "=", StringComparison.Ordinal))
            {
                continue;
            }

            rest.Add(args[i]);
        }

        return [.. rest];
    }

    /// <summary>Adds the offer catalogue file under the <c>AffiliateSdk</c> section, before environment variables and the command line.</summary>
    public static void AddOfferCatalog(ConfigurationManager configuration, IHostEnvironment environment, string[] args)
    {
        var path = OffersPath(args) ?? Path.Combine(environment.ContentRootPath, "offers.json");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The offer catalogue '{path}' does not exist (give one with --offers <file.json>).", path);
        }

        var catalogue = new ConfigurationBuilder().AddJsonFile(Path.GetFullPath(path), optional: false, reloadOnChange: false).Build();
        var prefixed = catalogue.AsEnumerable()
            .Where(p => p.Value is not null)
            .Select(p => new KeyValuePair<string, string?>("AffiliateSdk:" + p.Key, p.Value));

        // Insert right after the JSON files so environment variables and the command line still override single values.
        var sources = configuration.Sources;
        var index = sources.Count;
        for (var i = 0; i < sources.Count; i++)
        {
            if (sources[i] is Microsoft.Extensions.Configuration.Json.JsonConfigurationSource)
            {
                index = i + 1;
            }
        }

        sources.Insert(index, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = prefixed });
    }

    private static string? OffersPath(string[] args)
    {
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == OffersSwitch)
            {
                return i + 1 < args.Length ? args[i + 1] : throw new ArgumentException("--offers needs a file path.");
            }

            if (args[i].StartsWith(OffersSwitch + "=", StringComparison.Ordinal))
            {
                return args[i][(OffersSwitch.Length + 1)..];
            }
        }

        return null;
    }
}
