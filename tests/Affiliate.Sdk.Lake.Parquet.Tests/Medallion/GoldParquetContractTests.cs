using Affiliate.Sdk.Events;
using Affiliate.Sdk.Medallion;
using DuckDB.NET.Data;

namespace Affiliate.Sdk.Lake.Parquet.Tests.Medallion;

public sealed class GoldParquetContractTests
{
    private static readonly string[] GoldColumns =
    [
        "period TIMESTAMP WITH TIME ZONE",
        "affiliate_id VARCHAR", "offer_id VARCHAR", "campaign_id VARCHAR", "sub1 VARCHAR", "sub2 VARCHAR", "sub3 VARCHAR", "sub4 VARCHAR", "sub5 VARCHAR", "country VARCHAR",
        "impressions BIGINT", "clicks BIGINT", "unique_clicks BIGINT", "bot_clicks BIGINT", "conversions BIGINT", "pending_conversions BIGINT", "rejected_conversions BIGINT",
        "revenue DECIMAL(28,6)", "payout DECIMAL(28,6)",
    ];

    [Fact]
    public async Task DuckDb_reads_gold_with_the_contract_types_and_the_same_totals()
    {
        using var lake = new MedallionLake();
        var t0 = MedallionGenerators.T0;
        TrackingEvent Event(EventKind kind, string clickId, DateTimeOffset at) => new()
        {
            EventId = Guid.CreateVersion7(at),
            Kind = kind,
            OccurredAt = at,
            ReceivedAt = at,
            ClickId = clickId,
            OfferId = "o1",
            AffiliateId = "a1",
            Status = kind == EventKind.Conversion ? ConversionStatus.Approved : null,
        };
        await lake.WriteBronzeAsync([Event(EventKind.Click, "k1", t0.AddTicks(7)), Event(EventKind.Click, "k2", t0.AddDays(1)), Event(EventKind.Conversion, "k1", t0.AddHours(2))]);
        await lake.Engine().RunAsync(default);

        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SET TimeZone = 'UTC'";
        command.ExecuteNonQuery();
        command.CommandText = "DESCRIBE SELECT * FROM read_parquet($glob, hive_partitioning = false)";
        command.Parameters.Add(new DuckDBParameter("glob", Path.Combine(lake.Store.RootPath, "gold", "daily", "*", "*.parquet")));
        var columns = new List<string>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                columns.Add($"{reader.GetString(0)} {reader.GetString(1)}");
            }
        }

        Assert.Equal(GoldColumns, columns);
        command.CommandText = "SELECT sum(clicks)::BIGINT, sum(conversions)::BIGINT, sum(revenue), min(period) FROM read_parquet($glob, hive_partitioning = false)";
        using (var reader = command.ExecuteReader())
        {
            Assert.True(reader.Read());
            var gold = (await lake.GoldAsync(GoldGrain.Day)).Values.Aggregate(GoldMetrics.Zero, (a, b) => a.Add(b));
            Assert.Equal(gold.Clicks, Convert.ToInt64(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(gold.Conversions, Convert.ToInt64(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(gold.Revenue, reader.GetDecimal(2));
            Assert.Equal(10m, gold.Revenue);
            Assert.Equal(new DateTimeOffset(t0.UtcDateTime.Date, TimeSpan.Zero), new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(3), DateTimeKind.Utc), TimeSpan.Zero));
        }

        // A filter on period must not lose rows to row-group pruning by column statistics.
        command.CommandText = "SELECT sum(clicks)::BIGINT FROM read_parquet($glob, hive_partitioning = false) WHERE period = $day";
        command.Parameters.Add(new DuckDBParameter("day", new DateTimeOffset(t0.UtcDateTime.Date, TimeSpan.Zero).AddDays(1).UtcDateTime));
        Assert.Equal(1L, Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture));
    }
}
