using Affiliate.Sdk.AspNetCore;
using Affiliate.Sdk.DependencyInjection;
using Microsoft.Extensions.Configuration.Memory;

// Load-test host for scripts/bench-click.sh. GET /t/click is the real click endpoint, publishing to the durable
// local log that AddAffiliateSdk registers by default (fsync per group commit); GET /bare answers the same 302 with
// nothing behind it. Settings below are defaults: environment variables and --args override them.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource
{
    InitialData = new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Default"] = "Warning",
        ["AffiliateSdk:ClickIds:ActiveKeyId"] = "1",
        ["AffiliateSdk:ClickIds:Keys:0:Id"] = "1",
        ["AffiliateSdk:ClickIds:Keys:0:Secret"] = "bG9hZC10ZXN0LW9ubHktbm90LWEtcmVhbC1zZWNyZXQtMDEyMzQ1Njc4OQ==",
        ["AffiliateSdk:Advertisers:0:Id"] = "adv-1",
        ["AffiliateSdk:Offers:0:Id"] = "1001",
        ["AffiliateSdk:Offers:0:AdvertiserId"] = "adv-1",
        ["AffiliateSdk:Offers:0:UrlTemplate"] = "https://shop.example/landing?cid={click_id}&aff={aff_id}&s1={sub1}",
        ["AffiliateSdk:LocalLog:Directory"] = Path.Combine(Path.GetTempPath(), "affiliate-sdk-click-load", "log"),
    },
});
builder.Services.AddAffiliateSdk();

var app = builder.Build();
app.MapGet("/bare", static context =>
{
    context.Response.StatusCode = StatusCodes.Status302Found;
    context.Response.Headers.Location = "https://shop.example/landing";
    return Task.CompletedTask;
});
app.MapAffiliateTracking("/t");
app.Run();
