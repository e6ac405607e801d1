using Affiliate.Sdk.Events;
using Affiliate.Sdk.Reports;

namespace Affiliate.Sdk.Abstractions.Tests;

public sealed class ModelTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    private static TrackingEvent Click() => new()
    {
        EventId = Guid.CreateVersion7(Now),
        Kind = EventKind.Click,
        OccurredAt = Now,
        ReceivedAt = Now,
        ClickId = "c1",
        OfferId = "o1",
        AffiliateId = "a1",
    };

    [Theory]
    [InlineData("usd", "USD")]
    [InlineData("EUR", "EUR")]
    public void Currency_codes_are_normalised_to_upper_case(string given, string expected) =>
        Assert.Equal(expected, new Money(1m, given).Currency);

    [Theory]
    [InlineData("US")]
    [InlineData("DOLLAR")]
    [InlineData("U$D")]
    [InlineData("")]
    public void A_currency_that_is_not_three_letters_is_refused(string currency) =>
        Assert.Throws<ArgumentException>(() => new Money(1m, currency));

    [Fact]
    public void Amounts_beyond_the_lake_precision_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new Money(0.0000001m, "USD"));
        Assert.Throws<ArgumentException>(() => new Money(1_000_000_000_000m, "USD"));
    }

    [Fact]
    public void A_valid_click_has_no_errors() => Assert.Empty(TrackingEventValidator.Validate(Click(), Now));

    [Fact]
    public void A_click_without_offer_and_affiliate_names_both_fields()
    {
        var errors = TrackingEventValidator.Validate(Click() with { OfferId = null, AffiliateId = "" }, Now);

        Assert.Contains(errors, e => e.Field == "offer_id");
        Assert.Contains(errors, e => e.Field == "affiliate_id");
    }

    [Fact]
    public void A_conversion_needs_a_click_id_and_a_status()
    {
        var conversion = Click() with { Kind = EventKind.Conversion, ClickId = null, OfferId = null, AffiliateId = null };

        var errors = TrackingEventValidator.Validate(conversion, Now);

        Assert.Contains(errors, e => e.Field == "click_id");
        Assert.Contains(errors, e => e.Field == "status");
    }

    [Fact]
    public void Conversion_fields_on_a_click_are_refused()
    {
        var errors = TrackingEventValidator.Validate(Click() with { TransactionId = "t", Status = ConversionStatus.Approved }, Now);

        Assert.Contains(errors, e => e.Field == "transaction_id");
        Assert.Contains(errors, e => e.Field == "status");
    }

    [Fact]
    public void Far_future_times_over_long_ids_and_bad_countries_are_named()
    {
        var errors = TrackingEventValidator.Validate(
            Click() with { OccurredAt = Now.AddHours(1), OfferId = new string('x', 129), Country = "usa", Sub3 = new string('s', 257) },
            Now);

        Assert.Equal(4, errors.Count);
        Assert.Equal(new[] { "country", "occurred_at", "offer_id", "sub3" }, errors.Select(e => e.Field).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Report_query_validation_names_each_bad_part()
    {
        var query = new ReportQuery
        {
            From = new DateOnly(2026, 11, 10),
            To = new DateOnly(2026, 11, 1),
            TimeZone = "Mars/Olympus",
            Limit = 0,
            GroupBy = [ReportDimension.Affiliate, ReportDimension.Affiliate],
            OrderBy = [new ReportSort("clicks; DROP TABLE gold")],
        };

        var errors = query.Validate();

        Assert.Contains(errors, e => e.StartsWith("to:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("tz:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("limit:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("groupBy:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("orderBy:", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_dimension_and_metric_name_parses_back()
    {
        foreach (var d in Enum.GetValues<ReportDimension>())
        {
            Assert.True(ReportNames.TryParseDimension(ReportNames.Of(d), out var back));
            Assert.Equal(d, back);
        }

        foreach (var m in Enum.GetValues<ReportMetric>())
        {
            Assert.True(ReportNames.TryParseMetric(ReportNames.Of(m), out var back));
            Assert.Equal(m, back);
        }
    }
}
