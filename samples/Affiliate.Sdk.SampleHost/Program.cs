using Affiliate.Sdk.AspNetCore;
using Affiliate.Sdk.DependencyInjection;
using Affiliate.Sdk.SampleHost;

// The whole pipeline on one machine with embedded defaults:
// capture endpoints → durable local log → Parquet lake on local disk → DuckDB medallion (every few seconds) → report API
// (or, by configuration, the in-process medallion → gold loaded into PostgreSQL → report API).
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

sdk.AddParquetLake();

// Reports are chosen by configuration alone too: DuckDB by default (its engine keeps gold in its own database), or
// PostgreSQL with AffiliateSdk:Reports:Kind=Postgres and AffiliateSdk:Postgres:ConnectionString — the in-process
// engine then writes gold Parquet into the lake and the loader copies changed partitions into PostgreSQL.
var reports = builder.Configuration["AffiliateSdk:Reports:Kind"] ?? "DuckDb";
if (string.Equals(reports, "Postgres", StringComparison.OrdinalIgnoreCase))
{
    sdk.AddInProcessMedallion()
        .AddMedallionWorker()
        .AddPostgresReports();
}
else if (string.Equals(reports, "DuckDb", StringComparison.OrdinalIgnoreCase))
{
    sdk.AddDuckDbMedallion();
}
else
{
    throw new InvalidOperationException($"AffiliateSdk:Reports:Kind '{reports}' is not DuckDb or Postgres.");
}

var app = builder.Build();

app.MapAffiliateTracking("/t");
app.MapAffiliateReports("/api/reports");
app.MapGet("/api/offers", OfferListing.Write);
app.MapAffiliateHealth("/health");

app.Run();
