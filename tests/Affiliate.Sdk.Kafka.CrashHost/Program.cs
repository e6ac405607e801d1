using Affiliate.Sdk.DependencyInjection;
using Microsoft.Extensions.Hosting;

// Usage: Affiliate.Sdk.Kafka.CrashHost --AffiliateSdk:Kafka:BootstrapServers=... --AffiliateSdk:Lake:Root=... (or the
// same settings as AffiliateSdk__... environment variables). Registered the way an application would: the Kafka source
// feeds the stream-to-lake worker, which writes Parquet bronze. Prints "ready" once started and runs until killed.
var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddAffiliateSdk().AddKafka().AddParquetLake();
using var host = builder.Build();
await host.StartAsync();
Console.WriteLine("ready");
Console.Out.Flush();
await host.WaitForShutdownAsync();
