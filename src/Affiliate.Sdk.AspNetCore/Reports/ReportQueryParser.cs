using System.Globalization;
using Affiliate.Sdk.Reports;
using Microsoft.Extensions.Primitives;

namespace Affiliate.Sdk.AspNetCore.Reports;

/// <summary>
/// Reads a <see cref="ReportQuery"/> from the report API's query string. Every value ends up either in a closed set of
/// names (dimensions, metrics, grains) or in a typed value (dates, numbers), never in SQL text.
/// </summary>
internal static class ReportQueryParser
{
    private const string FilterPrefix = "filter.";

    /// <summary>Parses the query string; on failure the errors name the parameter.</summary>
    public static bool TryParse(IEnumerable<KeyValuePair<string, StringValues>> parameters, out ReportQuery? query, out List<string> errors)
    {
        errors = [];
        query = null;
        DateOnly? from = null, to = null;
        string? tz = null;
        var grain = ReportGrain.Day;
        var groupBy = new List<ReportDimension>();
        var metrics = new List<ReportMetric>();
        var orderBy = new List<ReportSort>();
        var filters = new Dictionary<ReportDimension, IReadOnlyList<string>>();
        var limit = 1000;

        foreach (var (name, values) in parameters)
        {
            var value = values.ToString();
            switch (name)
            {
                case "from":
                    from = ParseDate(name, value, errors);
                    break;
                case "to":
                    to = ParseDate(name, value, errors);
                    break;
                case "tz":
                    tz = value;
                    break;
                case "grain":
                    if (!TryParseGrain(value, out grain))
                    {
                        errors.Add($"grain: '{value}' is not one of total, hour, day, month");
                    }

                    break;
                case "groupBy":
                    foreach (var item in Split(values))
                    {
                        if (ReportNames.TryParseDimension(item, out var dimension))
                        {
                            groupBy.Add(dimension);
                        }
                        else
                        {
                            errors.Add($"groupBy: '{item}' is not a dimension ({string.Join(", ", Enum.GetValues<ReportDimension>().Select(ReportNames.Of))})");
                        }
                    }

                    break;
                case "metrics":
                    foreach (var item in Split(values))
                    {
                        if (ReportNames.TryParseMetric(item, out var metric))
                        {
                            metrics.Add(metric);
                        }
                        else
                        {
                            errors.Add($"metrics: '{item}' is not a metric ({string.Join(", ", ReportNames.AllMetrics.Select(ReportNames.Of))})");
                        }
                    }

                    break;
                case "orderBy":
                    foreach (var item in Split(values))
                    {
                        // "-revenue" or "revenue:desc" sorts descending.
                        var descending = item.StartsWith('-') || item.EndsWith(":desc", StringComparison.OrdinalIgnoreCase);
                        var column = item.TrimStart('-');
                        var colon = column.IndexOf(':', StringComparison.Ordinal);
                        if (colon >= 0)
                        {
                            column = column[..colon];
                        }

                        orderBy.Add(new ReportSort(column.ToLowerInvariant(), descending));
                    }

                    break;
                case "limit":
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out limit))
                    {
                        errors.Add($"limit: '{value}' is not a whole number");
                    }

                    break;
                default:
                    if (name.StartsWith(FilterPrefix, StringComparison.Ordinal))
                    {
                        var dimensionName = name[FilterPrefix.Length..];
                        if (ReportNames.TryParseDimension(dimensionName, out var dimension))
                        {
                            var list = filters.TryGetValue(dimension, out var existing) ? existing.ToList() : [];
                            list.AddRange(Split(values));
                            filters[dimension] = list;
                        }
                        else
                        {
                            errors.Add($"{name}: '{dimensionName}' is not a dimension");
                        }
                    }
                    else
                    {
                        errors.Add($"{name}: unknown parameter");
                    }

                    break;
            }
        }

        if (from is null && !errors.Exists(e => e.StartsWith("from:", StringComparison.Ordinal)))
        {
            errors.Add("from: required (YYYY-MM-DD)");
        }

        if (to is null && !errors.Exists(e => e.StartsWith("to:", StringComparison.Ordinal)))
        {
            errors.Add("to: required (YYYY-MM-DD)");
        }

        if (errors.Count > 0)
        {
            return false;
        }

        query = new ReportQuery
        {
            From = from!.Value,
            To = to!.Value,
            TimeZone = string.IsNullOrEmpty(tz) ? "UTC" : tz,
            Grain = grain,
            GroupBy = groupBy,
            Metrics = metrics,
            Filters = filters,
            OrderBy = orderBy,
            Limit = limit,
        };
        errors.AddRange(query.Validate());
        if (errors.Count > 0)
        {
            query = null;
            return false;
        }

        return true;
    }

    private static DateOnly? ParseDate(string name, string value, List<string> errors)
    {
        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date;
        }

        errors.Add($"{name}: '{value}' is not a date (YYYY-MM-DD)");
        return null;
    }

    private static bool TryParseGrain(string value, out ReportGrain grain)
    {
        grain = value.ToLowerInvariant() switch
        {
            "total" => ReportGrain.Total,
            "hour" => ReportGrain.Hour,
            "day" => ReportGrain.Day,
            "month" => ReportGrain.Month,
            _ => (ReportGrain)(-1),
        };
        return Enum.IsDefined(grain);
    }

    private static IEnumerable<string> Split(StringValues values)
    {
        foreach (var value in values)
        {
            if (value is null)
            {
                continue;
            }

            foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                yield return part;
            }
        }
    }
}
