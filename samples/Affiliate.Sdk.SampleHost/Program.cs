using Affiliate.Sdk.AspNetCore;
using Affiliate.Sdk.DependencyInjection;
using Affiliate.Sdk.SampleHost;

// The whole pipeline on one machine with embedded defaults:
// capture endpoints → durable local log → Parquet lake on local disk → DuckDB medallion (every few seconds) → report API.
var builder = WebApplication.CreateBuilder(SampleConfiguration.WithoutOffersArgument(args));
SampleConfiguration.AddOfferCatalog(builder.Configuration, builder.Environment, args);

var sdk = builder.Services.AddAffiliateSdk();

// The stream is chosen by configuration alone: the durable local log by default, or Kafka with
// AffiliateSdk:Stream:Kind=Kafka and AffiliateSdk:Kafka:BootstrapServers (the local log then serves as the outage spool).
var stream = builder.Configuration["AffiliateSdk:Stream:Kind"] ?? "LocalLog";
if (string.Equals(stream, "Kafka", StringComparison.OrdinalIgnoreCase))
{
    sdk.AddKafka();
}
else if (!string.Equals(stream, "LocalLog", StringComparison.OrdinalIgnoreCase))
{
    throw new InvalidOperationException($"AffiliateSdk:Stream:Kind '{stream}' is not LocalLog or Kafka.");
}

sdk.AddParquetLake()
    .AddDuckDbMedallion();

var app = builder.Build();

app.MapAffiliateTracking("/t");
app.MapAffiliateReports("/api/reports");
app.MapGet("/api/offers", OfferListing.Write);
app.MapAffiliateHealth("/health");

app.Run();
