using Affiliate.Sdk.DependencyInjection;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.Offers;
using Affiliate.Sdk.Postgres.Internal;
using Affiliate.Sdk.Reports;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Affiliate.Sdk.Postgres.Tests;

[Collection(PostgresServerGroup.Name)]
public sealed class RegistrationTests(PostgresServer server)
{
    private static readonly string Secret = Convert.ToBase64String(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());

    private static ServiceProvider Build(Dictionary<string, string?> settings, Action<AffiliateSdkBuilder> add)
    {
        settings["AffiliateSdk:ClickIds:ActiveKeyId"] = "1";
        settings["AffiliateSdk:ClickIds:Keys:0:Id"] = "1";
        settings["AffiliateSdk:ClickIds:Keys:0:Secret"] = Secret;
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddMetrics();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddSingleton<IOfferCatalog>(AffiliateGenerators.Catalog);
        add(services.AddAffiliateSdk());
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task Configuration_alone_loads_gold_from_the_lake_and_serves_reports_from_postgres()
    {
        using var lake = new Lake();
        var at = new DateTimeOffset(2026, 3, 5, 10, 0, 0, TimeSpan.Zero);
        await lake.AddAsync(Enumerable.Range(0, 7).Select(i => new TrackingEvent
        {
            EventId = Guid.CreateVersion7(), Kind = EventKind.Click, OccurredAt = at.AddMinutes(i), ReceivedAt = at.AddMinutes(i),
            ClickId = "c" + i, OfferId = "o1", AffiliateId = "a1", IpHash = "ip" + i,
        }));
        var schema = PostgresServer.NewSchema();
        await using var sp = Build(
            new()
            {
                ["AffiliateSdk:Lake:Root"] = lake.DuckDbOptions.LakeRoot,
                ["AffiliateSdk:Postgres:ConnectionString"] = server.ConnectionString,
                ["AffiliateSdk:Postgres:Schema"] = schema,
                ["AffiliateSdk:Postgres:LoadInterval"] = "00:00:00.200",
                ["AffiliateSdk:DuckDb:LakeRoot"] = lake.DuckDbOptions.LakeRoot,
                ["AffiliateSdk:DuckDb:StateDirectory"] = lake.DuckDbOptions.StateDirectory,
            },
            sdk => sdk.AddParquetLake().AddDuckDbMedallion().AddPostgresReports());
        sp.GetRequiredService<IStartupValidator>().Validate();
        var worker = Assert.Single(sp.GetServices<IHostedService>().OfType<PostgresGoldLoadWorker>());
        var reports = sp.GetRequiredService<IReportClient>();

        await worker.StartAsync(CancellationToken.None);
        try
        {
            var query = new ReportQuery { From = new(2026, 3, 5), To = new(2026, 3, 5), Grain = ReportGrain.Total, Metrics = [ReportMetric.Clicks] };
            var deadline = DateTime.UtcNow.AddSeconds(60);
            ReportResult result;
            while ((result = await reports.QueryAsync(query, CancellationToken.None)).Rows.Count == 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }

            Assert.IsType<PostgresReportClient>(reports);
            Assert.Equal(7m, Assert.Single(result.Rows).Metrics[ReportMetric.Clicks]);
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public void Bad_settings_fail_at_start_naming_each_setting_and_never_the_password()
    {
        const string Password = "s3cr3t-Pa55word";
        using var sp = Build(
            new()
            {
                ["AffiliateSdk:Postgres:ConnectionString"] = $"Host=db;Password={Password};Nonsense Key=1",
                ["AffiliateSdk:Postgres:Schema"] = "x\"; DROP SCHEMA public; --",
                ["AffiliateSdk:Postgres:LoadInterval"] = "-00:00:01",
                ["AffiliateSdk:Postgres:CommandTimeoutSeconds"] = "-5",
                ["AffiliateSdk:Postgres:LoadTimeout"] = "00:00:00",
            },
            sdk => sdk.AddPostgresReports());

        var error = Assert.ThrowsAny<Exception>(() => sp.GetRequiredService<IStartupValidator>().Validate());
        var message = error is AggregateException all ? string.Join(" ", all.InnerExceptions.Select(e => e.Message)) : error.Message;

        Assert.Contains("AffiliateSdk:Postgres:ConnectionString", message, StringComparison.Ordinal);
        Assert.Contains("AffiliateSdk:Postgres:Schema", message, StringComparison.Ordinal);
        Assert.Contains("AffiliateSdk:Postgres:LoadInterval", message, StringComparison.Ordinal);
        Assert.Contains("AffiliateSdk:Postgres:CommandTimeoutSeconds", message, StringComparison.Ordinal);
        Assert.Contains("AffiliateSdk:Postgres:LoadTimeout", message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_connection_string_fails_at_start()
    {
        using var sp = Build(new(), sdk => sdk.AddPostgresReports());

        var error = Assert.ThrowsAny<Exception>(() => sp.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("AffiliateSdk:Postgres:ConnectionString must be set", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_are_the_documented_ones()
    {
        var options = new PostgresReportsOptions();

        Assert.Null(options.ConnectionString);
        Assert.Equal("affiliate_sdk", options.Schema);
        Assert.True(options.LoadGold);
        Assert.Equal(TimeSpan.FromSeconds(10), options.LoadInterval);
        Assert.Equal(TimeSpan.FromMinutes(5), options.MaxBackoff);
        Assert.Equal(30, options.CommandTimeoutSeconds);
        Assert.Equal(TimeSpan.FromMinutes(30), options.LoadTimeout);
        Assert.Equal(typeof(NpgsqlDataSource), typeof(PostgresReportClient).GetConstructors().Single().GetParameters()[0].ParameterType);
    }
}
