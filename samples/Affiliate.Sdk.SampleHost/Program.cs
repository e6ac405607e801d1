using Affiliate.Sdk.AspNetCore;
using Affiliate.Sdk.DependencyInjection;
using Affiliate.Sdk.SampleHost;

// The whole pipeline on one machine with embedded defaults:
// capture endpoints → durable local log → Parquet lake on local disk → DuckDB medallion (every few seconds) → report API.
var builder = WebApplication.CreateBuilder(SampleConfiguration.WithoutOffersArgument(args));
SampleConfiguration.AddOfferCatalog(builder.Configuration, builder.Environment, args);

builder.Services
    .AddAffiliateSdk()
    .AddParquetLake()
    .AddDuckDbMedallion();

var app = builder.Build();

app.MapAffiliateTracking("/t");
app.MapAffiliateReports("/api/reports");
app.MapGet("/api/offers", OfferListing.Write);
app.MapAffiliateHealth("/health");

app.Run();
