using Affiliate.Sdk.Events;
using Affiliate.Sdk.DuckDb.Internal;
using Affiliate.Sdk.Medallion;

namespace Affiliate.Sdk.DuckDb.Tests;

/// <summary>Reads the engine's silver and gold back as the reference model's types.</summary>
public static class EngineState
{
    public static Dictionary<GoldKey, GoldMetrics> Gold(DuckDbMedallionOptions options, GoldGrain grain)
    {
        using var connection = DuckDbDatabase.Open(options);
        using var command = connection.CreateCommand();
        command.CommandText = grain == GoldGrain.Hour
            ? "SELECT hour, affiliate_id, offer_id, campaign_id, sub1, sub2, sub3, sub4, sub5, country, impressions, clicks, unique_clicks, bot_clicks, conversions, pending_conversions, rejected_conversions, revenue, payout FROM gold_hourly"
            : "SELECT CAST(day AS TIMESTAMPTZ), affiliate_id, offer_id, campaign_id, sub1, sub2, sub3, sub4, sub5, country, impressions, clicks, unique_clicks, bot_clicks, conversions, pending_conversions, rejected_conversions, revenue, payout FROM gold_daily";
        using var reader = command.ExecuteReader();
        var gold = new Dictionary<GoldKey, GoldMetrics>();
        while (reader.Read())
        {
            var key = new GoldKey(
                reader.GetFieldValue<DateTimeOffset>(0),
                Str(reader, 1), Str(reader, 2), Str(reader, 3), Str(reader, 4), Str(reader, 5), Str(reader, 6), Str(reader, 7), Str(reader, 8), Str(reader, 9));
            var metrics = new GoldMetrics(
                reader.GetInt64(10), reader.GetInt64(11), reader.GetInt64(12), reader.GetInt64(13), reader.GetInt64(14), reader.GetInt64(15), reader.GetInt64(16),
                reader.GetDecimal(17), reader.GetDecimal(18));
            Assert.True(gold.TryAdd(key, metrics), $"gold has two rows for {key}");
        }

        return gold;
    }

    public static List<SilverConversion> Conversions(DuckDbMedallionOptions options)
    {
        using var connection = DuckDbDatabase.Open(options);
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT event_id, occurred_at, click_event_id, date_trunc('hour', occurred_at), affiliate_id, offer_id, campaign_id,
                sub1, sub2, sub3, sub4, sub5, country, status, revenue, payout, reason
            FROM silver_conversions ORDER BY event_id
            """;
        using var reader = command.ExecuteReader();
        var list = new List<SilverConversion>();
        while (reader.Read())
        {
            Guid? click = reader.IsDBNull(2) ? null : reader.GetGuid(2);
            var key = click is null
                ? null
                : new GoldKey(reader.GetFieldValue<DateTimeOffset>(3), Str(reader, 4), Str(reader, 5), Str(reader, 6), Str(reader, 7), Str(reader, 8), Str(reader, 9), Str(reader, 10), Str(reader, 11), Str(reader, 12));
            var status = reader.GetString(13) switch
            {
                "approved" => ConversionStatus.Approved,
                "pending" => ConversionStatus.Pending,
                _ => ConversionStatus.Rejected,
            };
            list.Add(new SilverConversion(
                reader.GetGuid(0), reader.GetFieldValue<DateTimeOffset>(1), click, key, status, reader.GetDecimal(14), reader.GetDecimal(15), Str(reader, 16)));
        }

        return list;
    }

    public static object? Scalar(DuckDbMedallionOptions options, string sql)
    {
        using var connection = DuckDbDatabase.Open(options);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static string? Str(System.Data.Common.DbDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
}
