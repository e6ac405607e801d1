using System.Text;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.Json;
using FsCheck.Xunit;

namespace Affiliate.Sdk.Abstractions.Tests;

public sealed class JsonContractTests
{
    [Property(Arbitrary = [typeof(AffiliateArbitraries)], MaxTest = 300)]
    public bool Any_event_survives_a_JSON_round_trip(TrackingEvent e)
    {
        var bytes = TrackingEventSerializer.SerializeToUtf8Bytes(e);
        var back = TrackingEventSerializer.Deserialize(bytes);
        return back == e && back.OccurredAt.Offset == TimeSpan.Zero && back.ReceivedAt.Offset == TimeSpan.Zero;
    }

    [Property(Arbitrary = [typeof(AffiliateArbitraries)], MaxTest = 100)]
    public bool Buffer_writer_and_byte_array_serialisation_agree(TrackingEvent e)
    {
        var writer = new System.Buffers.ArrayBufferWriter<byte>();
        TrackingEventSerializer.Serialize(writer, e);
        return writer.WrittenSpan.SequenceEqual(TrackingEventSerializer.SerializeToUtf8Bytes(e));
    }

    [Fact]
    public void Wire_names_are_snake_case_and_enums_lower_case_strings()
    {
        var e = new TrackingEvent
        {
            EventId = Guid.CreateVersion7(),
            Kind = EventKind.Conversion,
            OccurredAt = new DateTimeOffset(2026, 11, 24, 10, 0, 0, TimeSpan.Zero),
            ReceivedAt = new DateTimeOffset(2026, 11, 24, 10, 0, 1, TimeSpan.Zero),
            ClickId = "c",
            TransactionId = "t-1",
            Status = ConversionStatus.Pending,
            SaleAmount = new Money(12.34m, "EUR"),
        };

        var json = Encoding.UTF8.GetString(TrackingEventSerializer.SerializeToUtf8Bytes(e));

        Assert.Contains("\"event_id\":", json, StringComparison.Ordinal);
        Assert.Contains("\"kind\":\"conversion\"", json, StringComparison.Ordinal);
        Assert.Contains("\"status\":\"pending\"", json, StringComparison.Ordinal);
        Assert.Contains("\"sale_amount\":{\"amount\":12.34,\"currency\":\"EUR\"}", json, StringComparison.Ordinal);
        Assert.Contains("\"schema_version\":1", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"offer_id\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_properties_are_ignored_for_forward_compatibility()
    {
        const string json = """
            {"event_id":"0192d8f0-0000-7000-8000-000000000001","kind":"click","occurred_at":"2026-11-24T10:00:00Z",
             "received_at":"2026-11-24T10:00:00Z","click_id":"c","offer_id":"o","affiliate_id":"a",
             "new_field_from_v2":{"nested":[1,2,3]},"another":"x","schema_version":1}
            """;

        var e = TrackingEventSerializer.Deserialize(Encoding.UTF8.GetBytes(json));

        Assert.Equal(EventKind.Click, e.Kind);
        Assert.Equal("o", e.OfferId);
    }

    [Theory]
    [InlineData("event_id")]
    [InlineData("kind")]
    [InlineData("occurred_at")]
    [InlineData("received_at")]
    public void A_missing_required_property_is_a_clear_error_naming_it(string missing)
    {
        var fields = new Dictionary<string, string>
        {
            ["event_id"] = "\"0192d8f0-0000-7000-8000-000000000001\"",
            ["kind"] = "\"click\"",
            ["occurred_at"] = "\"2026-11-24T10:00:00Z\"",
            ["received_at"] = "\"2026-11-24T10:00:00Z\"",
        };
        fields.Remove(missing);
        var json = "{" + string.Join(",", fields.Select(p => $"\"{p.Key}\":{p.Value}")) + "}";

        var ex = Assert.Throws<TrackingEventFormatException>(() => TrackingEventSerializer.Deserialize(Encoding.UTF8.GetBytes(json)));

        Assert.Contains(missing, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"event_id":"not-a-guid","kind":"click","occurred_at":"2026-11-24T10:00:00Z","received_at":"2026-11-24T10:00:00Z"}""", "event_id")]
    [InlineData("""{"event_id":"0192d8f0-0000-7000-8000-000000000001","kind":"purchase","occurred_at":"2026-11-24T10:00:00Z","received_at":"2026-11-24T10:00:00Z"}""", "kind")]
    [InlineData("""{"event_id":"0192d8f0-0000-7000-8000-000000000001","kind":"click","occurred_at":"yesterday","received_at":"2026-11-24T10:00:00Z"}""", "occurred_at")]
    [InlineData("""{"event_id":"0192d8f0-0000-7000-8000-000000000001","kind":"conversion","occurred_at":"2026-11-24T10:00:00Z","received_at":"2026-11-24T10:00:00Z","payout":{"amount":1.5,"currency":"DOLLARS"}}""", "Currency")]
    [InlineData("""{"event_id":"0192d8f0-0000-7000-8000-000000000001","kind":"conversion","occurred_at":"2026-11-24T10:00:00Z","received_at":"2026-11-24T10:00:00Z","payout":{"amount":1.5,"currency":null}}""", "currency")]
    [InlineData("""{"event_id":"0192d8f0-0000-7000-8000-000000000001","kind":"click","occurred_at":"2026-11-24T10:00:00Z","received_at":"2026-11-24T10:00:00Z",""", "")]
    public void Malformed_input_is_rejected_with_a_message_naming_the_problem(string json, string mentioned)
    {
        var ok = TrackingEventSerializer.TryDeserialize(Encoding.UTF8.GetBytes(json), out var e, out var error);

        Assert.False(ok);
        Assert.Null(e);
        Assert.False(string.IsNullOrWhiteSpace(error));
        Assert.Contains(mentioned, error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Times_with_an_offset_are_read_as_the_same_instant_in_UTC()
    {
        const string json = """{"event_id":"0192d8f0-0000-7000-8000-000000000001","kind":"impression","occurred_at":"2026-11-24T12:00:00+02:00","received_at":"2026-11-24T10:00:05Z","offer_id":"o","affiliate_id":"a"}""";

        var e = TrackingEventSerializer.Deserialize(Encoding.UTF8.GetBytes(json));

        Assert.Equal(new DateTimeOffset(2026, 11, 24, 10, 0, 0, TimeSpan.Zero), e.OccurredAt);
        Assert.Equal(TimeSpan.Zero, e.OccurredAt.Offset);
    }

    [Fact]
    public void Money_keeps_decimal_precision_through_JSON()
    {
        var e = new TrackingEvent
        {
            EventId = Guid.CreateVersion7(),
            Kind = EventKind.Conversion,
            OccurredAt = DateTimeOffset.UnixEpoch.AddYears(56),
            ReceivedAt = DateTimeOffset.UnixEpoch.AddYears(56),
            ClickId = "c",
            Status = ConversionStatus.Approved,
            SaleAmount = new Money(0.1m + 0.2m, "USD"),
            Payout = new Money(999_999_999_999.999999m, "USD"),
        };

        var back = TrackingEventSerializer.Deserialize(TrackingEventSerializer.SerializeToUtf8Bytes(e));

        Assert.Equal(0.3m, back.SaleAmount!.Value.Amount);
        Assert.Equal(999_999_999_999.999999m, back.Payout!.Value.Amount);
    }
}
