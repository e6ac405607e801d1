using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

// Event-to-report freshness under steady load: sends clicks at a fixed rate to a running host and polls the report
// API; each poll's staleness is (poll time − the report's freshness, the newest event included in gold).
// Usage: Affiliate.Sdk.FreshnessProbe <base-url> [clicks-per-second=200] [seconds=60] [warm-up-seconds=10]
if (args.Length < 1)
{
    Console.Error.WriteLine("usage: Affiliate.Sdk.FreshnessProbe <base-url> [clicks-per-second] [seconds] [warm-up-seconds]");
    return 2;
}

var baseAddress = new Uri(args[0]);
var rate = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200;
var seconds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 60;
var warmUp = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 10;

using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, MaxConnectionsPerServer = 64 }) { BaseAddress = baseAddress };
http.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) freshness-probe");
using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
var sent = 0L;
var failed = 0L;
var clock = Stopwatch.StartNew();

var load = Task.Run(async () =>
{
    var inFlight = new List<Task>();
    var next = 0L;
    while (!stop.IsCancellationRequested)
    {
        // Keep the schedule: the n-th click goes out at n / rate seconds.
        var due = TimeSpan.FromSeconds((double)next / rate);
        var wait = due - clock.Elapsed;
        if (wait > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(wait, stop.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        var n = next++;
        inFlight.Add(SendClickAsync(n));
        if (inFlight.Count > 512)
        {
            inFlight.RemoveAll(t => t.IsCompleted);
        }
    }

    await Task.WhenAll(inFlight);
});

async Task SendClickAsync(long n)
{
    try
    {
        using var response = await http.GetAsync(new Uri($"/t/click?offer=1001&aff={n % 50}&sub1=probe", UriKind.Relative));
        if ((int)response.StatusCode == 302)
        {
            Interlocked.Increment(ref sent);
        }
        else
        {
            Interlocked.Increment(ref failed);
        }
    }
    catch (HttpRequestException)
    {
        Interlocked.Increment(ref failed);
    }
}

var staleness = new List<double>();
while (!stop.IsCancellationRequested)
{
    await Task.Delay(250);
    var today = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    using var response = await http.GetAsync(new Uri($"/api/reports?from={today}&to={today}&grain=total&metrics=clicks", UriKind.Relative));
    var now = DateTimeOffset.UtcNow;
    using var report = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    if (clock.Elapsed.TotalSeconds < warmUp || report.RootElement.GetProperty("freshness").ValueKind != JsonValueKind.String)
    {
        continue;
    }

    staleness.Add((now - report.RootElement.GetProperty("freshness").GetDateTimeOffset()).TotalSeconds);
}

await load;
staleness.Sort();
double Percentile(double p) => staleness.Count == 0 ? double.NaN : staleness[(int)Math.Min(staleness.Count - 1, Math.Floor(p * staleness.Count))];
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"clicks sent: {sent} ({failed} failed) at {rate}/s for {seconds} s; report polls after warm-up: {staleness.Count}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"event-to-report freshness: p50 {Percentile(0.50):F2} s, p95 {Percentile(0.95):F2} s, max {Percentile(1):F2} s"));
return failed == 0 ? 0 : 1;
