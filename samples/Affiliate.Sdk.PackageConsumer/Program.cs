using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Affiliate.Sdk.AspNetCore;
using Affiliate.Sdk.DependencyInjection;
using Affiliate.Sdk.Reports;

// A user's application built only from the packed NuGet packages: the whole embedded pipeline
// (HTTP capture on Kestrel → durable local log → Parquet lake → DuckDB medallion → report) on a free loopback port.
// It sends one impression, one click and one signed postback, then waits for gold to answer with exactly those.
// Exit code 0: the report matches what was captured; 1: it does not (the message says what differs).
const string AffiliateId = "consumer-7";
const string OfferId = "C-1";
const string PostbackSecret = "package-consumer-postback-secret";
var deadline = TimeSpan.FromSeconds(double.Parse(Environment.GetEnvironmentVariable("CONSUMER_TIMEOUT_SECONDS") ?? "120", CultureInfo.InvariantCulture));

var data = Directory.CreateTempSubdirectory("affiliate-sdk-consumer-");
try
{
    var builder = WebApplication.CreateBuilder(args);
    builder.WebHost.UseUrls("http://127.0.0.1:0");
    builder.Logging.SetMinimumLevel(LogLevel.Warning);
    builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["AffiliateSdk:ClickIds:ActiveKeyId"] = "1",
        ["AffiliateSdk:ClickIds:Keys:0:Id"] = "1",
        ["AffiliateSdk:ClickIds:Keys:0:Secret"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        ["AffiliateSdk:Capture:IpAnonymization"] = "Hash",
        ["AffiliateSdk:Capture:IpHashSalt"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)),
        ["AffiliateSdk:LocalLog:Directory"] = Path.Combine(data.FullName, "log"),
        ["AffiliateSdk:Lake:Root"] = Path.Combine(data.FullName, "lake"),
        ["AffiliateSdk:Pipeline:StreamToLake:FlushInterval"] = "00:00:01",
        ["AffiliateSdk:DuckDb:LakeRoot"] = Path.Combine(data.FullName, "lake"),
        ["AffiliateSdk:DuckDb:StateDirectory"] = Path.Combine(data.FullName, "duckdb"),
        ["AffiliateSdk:DuckDb:Interval"] = "00:00:01",
        ["AffiliateSdk:Medallion:ReportCurrency"] = "USD",
        ["AffiliateSdk:Advertisers:0:Id"] = "adv-consumer",
        ["AffiliateSdk:Advertisers:0:PostbackSecrets:0"] = PostbackSecret,
        ["AffiliateSdk:Offers:0:Id"] = OfferId,
        ["AffiliateSdk:Offers:0:AdvertiserId"] = "adv-consumer",
        ["AffiliateSdk:Offers:0:UrlTemplate"] = "https://shop.example/landing?cid={click_id}",
        ["AffiliateSdk:Offers:0:Currency"] = "USD",
        ["AffiliateSdk:Offers:0:Revenue:Kind"] = "Flat",
        ["AffiliateSdk:Offers:0:Revenue:Value"] = "12.50",
        ["AffiliateSdk:Offers:0:Payout:Kind"] = "Flat",
        ["AffiliateSdk:Offers:0:Payout:Value"] = "9.00",
    });

    builder.Services.AddAffiliateSdk()
        .AddParquetLake()
        .AddDuckDbMedallion();

    await using var app = builder.Build();
    app.MapAffiliateTracking("/t");
    app.MapAffiliateReports("/api/reports");
    await app.StartAsync();
    var baseAddress = new Uri(app.Urls.First());
    Console.WriteLine($"package consumer: pipeline listening on {baseAddress}");

    ReportResult report;
    try
    {
        report = await CaptureAndReadReportAsync(app, baseAddress, deadline);
    }
    finally
    {
        // Stop the pipeline's workers before the container is disposed, also when a check failed.
        await app.StopAsync();
    }

    Console.WriteLine($"package consumer: OK — the report from the packed packages matches what was captured ({Describe(report)})");
    return 0;
}
catch (ConsumerCheckFailedException e)
{
    await Console.Error.WriteLineAsync($"package consumer: FAILED — {e.Message}");
    return 1;
}
finally
{
    try
    {
        data.Delete(recursive: true);
    }
    catch (IOException)
    {
        // A file still held open must not hide the verdict; the temp folder is left behind.
    }
}

static async Task<ReportResult> CaptureAndReadReportAsync(WebApplication app, Uri baseAddress, TimeSpan deadline)
{
    using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = baseAddress };
    http.DefaultRequestHeaders.UserAgent.ParseAdd("Mozilla/5.0 (X11; Linux x86_64) package-consumer/1.0");

    using (var impression = await http.GetAsync(new Uri($"/t/imp?offer={OfferId}&aff={AffiliateId}", UriKind.Relative)))
    {
        Require(impression.IsSuccessStatusCode, $"the impression pixel answered {(int)impression.StatusCode}");
    }

    string clickId;
    using (var click = await http.GetAsync(new Uri($"/t/click?offer={OfferId}&aff={AffiliateId}", UriKind.Relative)))
    {
        Require(click.StatusCode == HttpStatusCode.Found, $"the click answered {(int)click.StatusCode}, expected 302");
        var location = click.Headers.Location?.ToString() ?? "";
        var at = location.IndexOf("cid=", StringComparison.Ordinal);
        Require(at >= 0, $"the click redirected to '{location}' without a click id");
        clickId = Uri.UnescapeDataString(location[(at + 4)..].Split('&')[0]);
    }

    // The advertiser's signed postback: HMAC-SHA256 over the parameters sorted by name.
    var canonical = $"click_id={Uri.EscapeDataString(clickId)}&status=approved&txn_id=CONSUMER-1";
    var signature = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(PostbackSecret), Encoding.UTF8.GetBytes(canonical)));
    using (var postback = await http.GetAsync(new Uri($"/t/postback?{canonical}&sig={signature}", UriKind.Relative)))
    {
        Require(postback.IsSuccessStatusCode, $"the postback answered {(int)postback.StatusCode}: {await postback.Content.ReadAsStringAsync()}");
    }

    var lastSent = DateTimeOffset.UtcNow;
    Console.WriteLine("package consumer: captured 1 impression, 1 click, 1 approved conversion; waiting for gold");

    var today = DateOnly.FromDateTime(lastSent.UtcDateTime);
    var query = new ReportQuery
    {
        From = today.AddDays(-1),
        To = today.AddDays(1),
        Grain = ReportGrain.Total,
        GroupBy = [ReportDimension.Affiliate, ReportDimension.Offer],
        Metrics = [ReportMetric.Impressions, ReportMetric.Clicks, ReportMetric.Conversions, ReportMetric.Revenue, ReportMetric.Payout],
    };
    var reports = app.Services.GetRequiredService<IReportClient>();
    var until = DateTime.UtcNow + deadline;
    ReportResult report;
    while (true)
    {
        report = await reports.QueryAsync(query, CancellationToken.None);
        var caughtUp = report.Freshness >= lastSent.AddSeconds(-1)
            && report.Totals.TryGetValue(ReportMetric.Conversions, out var conversions) && conversions >= 1;
        if (caughtUp)
        {
            break;
        }

        Require(DateTime.UtcNow < until, $"gold did not catch up within {deadline.TotalSeconds:0} s (freshness {report.Freshness:O}, {Describe(report)})");
        await Task.Delay(250);
    }

    Require(report.Rows.Count == 1, $"expected one report row, got {report.Rows.Count}: {Describe(report)}");
    var row = report.Rows[0];
    Require(row.Dimensions[ReportDimension.Affiliate] == AffiliateId && row.Dimensions[ReportDimension.Offer] == OfferId,
        $"the row is for the wrong affiliate or offer: {Describe(report)}");
    var expected = new Dictionary<ReportMetric, decimal>
    {
        [ReportMetric.Impressions] = 1,
        [ReportMetric.Clicks] = 1,
        [ReportMetric.Conversions] = 1,
        [ReportMetric.Revenue] = 12.50m,
        [ReportMetric.Payout] = 9.00m,
    };
    foreach (var (metric, value) in expected)
    {
        Require(row.Metrics[metric] == value, $"{metric} is {row.Metrics[metric]}, expected {value}: {Describe(report)}");
    }

    // The same report through the HTTP report endpoint.
    using (var overHttp = await http.GetAsync(new Uri($"/api/reports?from={today.AddDays(-1):yyyy-MM-dd}&to={today.AddDays(1):yyyy-MM-dd}&grain=total&metrics=conversions,revenue", UriKind.Relative)))
    {
        var body = await overHttp.Content.ReadAsStringAsync();
        Require(overHttp.IsSuccessStatusCode && body.Contains("\"conversions\":1,\"revenue\":12.5", StringComparison.Ordinal),
            $"GET /api/reports answered {(int)overHttp.StatusCode}: {body}");
    }

    return report;
}

static void Require(bool condition, string failure)
{
    if (!condition)
    {
        throw new ConsumerCheckFailedException(failure);
    }
}

static string Describe(ReportResult report) =>
    report.Rows.Count == 0
        ? "no rows"
        : string.Join("; ", report.Rows.Select(r =>
            string.Join(", ", r.Dimensions.Select(d => $"{d.Key}={d.Value}").Concat(r.Metrics.Select(m => $"{m.Key}={m.Value.ToString(CultureInfo.InvariantCulture)}")))));

internal sealed class ConsumerCheckFailedException(string message) : Exception(message);
