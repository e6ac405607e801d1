using System.Diagnostics.CodeAnalysis;
using Affiliate.Sdk.DuckDb;
using Affiliate.Sdk.DuckDb.Internal;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.Lake.Parquet;
using Affiliate.Sdk.Medallion;
using Affiliate.Sdk.Offers;
using Affiliate.Sdk.Pipeline;
using Affiliate.Sdk.Testing;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.DuckDb.Tests;

/// <summary>A lake and engine state in a fresh temp directory, deleted on dispose.</summary>
public sealed class Workspace : IDisposable
{
    private int _flushes;

    public Workspace()
    {
        Directory.CreateDirectory(Root);
        Options = new DuckDbMedallionOptions
        {
            LakeRoot = Path.Combine(Root, "lake"),
            StateDirectory = Path.Combine(Root, "state"),
            Threads = 1,
        };
    }

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "affiliate-duckdb-tests", Guid.NewGuid().ToString("N"));

    public DuckDbMedallionOptions Options { get; }

    public DuckDbReportClient CreateReportClient() => new(Microsoft.Extensions.Options.Options.Create(Options));

    public DuckDbMedallionEngine CreateEngine(IOfferCatalog catalog, MedallionOptions medallion) =>
        new(Microsoft.Extensions.Options.Options.Create(Options), Microsoft.Extensions.Options.Options.Create(medallion), catalog);

    /// <summary>Writes events to bronze through the real lake writer: one flush, one file per partition.</summary>
    public Task WriteBronzeAsync(IEnumerable<TrackingEvent> events) =>
        BronzeFiles.WriteAsync(new LocalDiskBlobStore(Options.LakeRoot), events, NextFlushTime(), CancellationToken.None);

    private DateTimeOffset NextFlushTime() => new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(Interlocked.Increment(ref _flushes));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

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
