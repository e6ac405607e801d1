using System.Text.Json;
using Affiliate.Sdk.Postgres.Tests;
using Npgsql;

namespace Affiliate.Sdk.SampleHost.Tests;

/// <summary>
/// The sample host switched to PostgreSQL reports by configuration alone: capture → local log → Parquet lake →
/// in-process medallion → gold loaded into a real PostgreSQL → report API, with every report number asserted exactly.
/// A missing PostgreSQL server fails the test (the fixture never skips).
/// </summary>
public sealed class PostgresReportsEndToEndTests(PostgresServer server) : IClassFixture<PostgresServer>
{
    [Fact]
    public async Task Traffic_sent_over_http_becomes_exact_affiliate_reports_served_from_postgres()
    {
        var schema = PostgresServer.NewSchema();
        await using var host = await SampleHostProcess.StartAsync(new Dictionary<string, string>
        {
            ["AffiliateSdk__Reports__Kind"] = "Postgres",
            ["AffiliateSdk__Postgres__ConnectionString"] = server.ConnectionString,
            ["AffiliateSdk__Postgres__Schema"] = schema,
            ["AffiliateSdk__Postgres__LoadInterval"] = "00:00:01",
        });

        using var report = await PipelineEndToEndTests.SendTrafficAndReadExactReportAsync(host);

        // The report came from PostgreSQL: its gold tables hold exactly the reported totals, and the loader reports healthy.
        var totals = report.RootElement.GetProperty("totals");
        await using (var command = server.DataSource.CreateCommand(
            $"SELECT sum(impressions), sum(clicks), sum(conversions), sum(revenue) FROM \"{schema}\".gold_daily"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            Assert.Equal(
                (totals.GetProperty("impressions").GetDecimal(), totals.GetProperty("clicks").GetDecimal(), totals.GetProperty("conversions").GetDecimal(), totals.GetProperty("revenue").GetDecimal()),
                (reader.GetDecimal(0), reader.GetDecimal(1), reader.GetDecimal(2), reader.GetDecimal(3)));
        }

        using var http = new HttpClient { BaseAddress = host.BaseAddress };
        using var health = JsonDocument.Parse(await http.GetStringAsync(new Uri("/health", UriKind.Relative)));
        var components = health.RootElement.GetProperty("checks").GetProperty("affiliate_sdk").GetProperty("components");
        Assert.Equal("healthy", components.GetProperty("postgres_reports").GetProperty("status").GetString());
        Assert.False(Directory.Exists(Path.Combine(host.DataDirectory, "duckdb")), "the DuckDB engine must not run when reports are served from PostgreSQL");
    }
}
