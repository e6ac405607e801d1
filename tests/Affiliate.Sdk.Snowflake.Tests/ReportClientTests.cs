using System.Globalization;
using System.Text.Json;
using Affiliate.Sdk.Reports;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.Snowflake.Tests;

public sealed class ReportClientTests : IAsyncLifetime
{
    private static readonly string[] Zones = ["UTC", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Lord_Howe", "Europe/Berlin"];
    private static readonly string[] Nasty = ["x'); DROP TABLE gold_daily; --", "\" OR 1=1 --", "$$", "?", "ünï©ødé ✓", "", "a\nb", "/* c */", "\\'"];
    private FakeSnowflake _server = null!;

    public async Task InitializeAsync() => _server = await FakeSnowflake.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static Gen<string> UserText =>
        from nasty in Gen.Elements(Nasty)
        from tail in ArbMap.Default.GeneratorFor<string>().Select(s => s ?? string.Empty)
        select "§user§" + nasty + tail;

    private static Gen<ReportQuery> Queries =>
        from fromDay in Gen.Choose(1, 27)
        from days in Gen.Choose(0, 40)
        from zone in Gen.Elements(Zones)
        from grain in Gen.Elements(ReportGrain.Total, ReportGrain.Hour, ReportGrain.Day, ReportGrain.Month)
        from groupBy in Gen.SubListOf(Enum.GetValues<ReportDimension>())
        from filterDims in Gen.SubListOf(Enum.GetValues<ReportDimension>())
        from filterValues in Gen.ArrayOf(Gen.NonEmptyListOf(UserText).Select(l => l.ToArray()), filterDims.Count)
        from metrics in Gen.SubListOf(ReportNames.AllMetrics.ToArray())
        from sortMetric in Gen.Elements(ReportNames.AllMetrics.ToArray())
        from isDescending in Gen.Elements(true, false)
        from limit in Gen.Choose(1, ReportQuery.MaxLimit)
        select new ReportQuery
        {
            From = new DateOnly(2026, 10, fromDay),
            To = new DateOnly(2026, 10, fromDay).AddDays(days),
            TimeZone = zone,
            Grain = grain,
            GroupBy = [.. groupBy],
            Filters = Filters(filterDims, filterValues),
            Metrics = [.. metrics],
            OrderBy = [new ReportSort(ReportNames.Of(sortMetric), isDescending)],
            Limit = limit,
        };

    private static Dictionary<ReportDimension, IReadOnlyList<string>> Filters(IList<ReportDimension> dimensions, string[][] values)
    {
        var filters = new Dictionary<ReportDimension, IReadOnlyList<string>>();
        for (var i = 0; i < dimensions.Count; i++)
        {
            filters[dimensions[i]] = values[i];
        }

        return filters;
    }

    private static string[] ColumnsFor(ReportQuery query, bool hourPeriod)
    {
        var columns = new List<string>();
        if (query.Grain != ReportGrain.Total)
        {
            columns.Add(Shapes.Column("period", hourPeriod ? "timestamp_ntz" : "date", null, hourPeriod ? 9 : null));
        }

        columns.AddRange(query.GroupBy.Select(d => Shapes.Column(ReportNames.Of(d), "text")));
        columns.AddRange(ReportNames.AllMetrics.Select(m => Shapes.Column(ReportNames.Of(m), "fixed", 38, m is ReportMetric.Revenue or ReportMetric.Payout or ReportMetric.Profit or ReportMetric.ConversionRate or ReportMetric.EarningsPerClick or ReportMetric.ClickThroughRate ? 6 : 0)));
        columns.AddRange(Enumerable.Range(0, 9).Select(i => Shapes.Column("T" + i.ToString(CultureInfo.InvariantCulture), "fixed", 38, i >= 7 ? 6 : 0)));
        return [.. columns];
    }

    private SnowflakeReportClient Reports(Action<SnowflakeOptions>? configure = null)
    {
        var options = TestKeys.Options(_server.BaseUrl);
        configure?.Invoke(options);
        var client = new SnowflakeSqlApiClient(new HttpClient(), Options.Create(options));
        return new SnowflakeReportClient(client, new StaticMonitor(options));
    }

    [Property(MaxTest = 60)]
    public Property Every_user_value_is_a_binding_and_no_user_text_reaches_the_sql() =>
        Prop.ForAll(Queries.ToArbitrary(), query =>
        {
            _server.Handler = _ => new FakeResponse(200, Shapes.ResultSet(ColumnsFor(query, query.Grain == ReportGrain.Hour), []));
            while (_server.Requests.TryDequeue(out _))
            {
            }

            var result = Reports().QueryAsync(query, CancellationToken.None).AsTask().GetAwaiter().GetResult();

            Assert.Empty(result.Rows);
            var body = Assert.Single(_server.Requests).Json;
            var sql = body.GetProperty("statement").GetString()!;
            Assert.DoesNotContain("§user§", sql, StringComparison.Ordinal);
            Assert.DoesNotContain(query.TimeZone, sql, StringComparison.Ordinal);
            var bindings = body.GetProperty("bindings").EnumerateObject().Select(b => (Type: b.Value.GetProperty("type").GetString(), Value: b.Value.GetProperty("value").GetString())).ToList();
            Assert.Equal(sql.Count(c => c == '?'), bindings.Count);
            var bound = bindings.Where(b => b.Type == "TEXT").Select(b => b.Value).ToHashSet();
            Assert.All(query.Filters.Values.SelectMany(v => v), v => Assert.Contains(v, bound));
            Assert.Equal(("FIXED", query.Limit.ToString(CultureInfo.InvariantCulture)), bindings[^1]);
            Assert.Equal("UTC", body.GetProperty("parameters").GetProperty("TIMEZONE").GetString());
        });

    private static string Day(DateOnly date) => (date.DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber).ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task Daily_utc_report_reads_daily_gold_and_parses_rows_totals_and_freshness()
    {
        var query = new ReportQuery
        {
            From = new DateOnly(2026, 11, 1),
            To = new DateOnly(2026, 11, 2),
            Grain = ReportGrain.Day,
            GroupBy = [ReportDimension.Affiliate],
            Filters = new Dictionary<ReportDimension, IReadOnlyList<string>> { [ReportDimension.Offer] = ["o1", "x'); DROP TABLE gold_daily; --", "o1"] },
            Metrics = [ReportMetric.Clicks, ReportMetric.Revenue, ReportMetric.ConversionRate, ReportMetric.Profit],
            OrderBy = [new ReportSort("revenue", Descending: true)],
            Limit = 10,
        };

        // Metric columns in canonical order: impressions … payout, profit, cr, epc, ctr; then the nine window totals.
        string?[] Row(string day, string? affiliate, string clicks, string conversions, string revenue, string payout, string cr) =>
            [day, affiliate, "100", clicks, clicks, "0", conversions, "0", "0", revenue, payout, "0", cr, "0", "0", "100", "7", "7", "0", "3", "0", "0", "30.000000", "12.500000"];
        _server.Handler = r => r.Json.GetProperty("statement").GetString()!.Contains("MAX(", StringComparison.Ordinal)
            ? new FakeResponse(200, Shapes.ResultSet([Shapes.Column("MAX", "timestamp_ltz", null, 9)], [["1793577600.250000000"]]))
            : new FakeResponse(200, Shapes.ResultSet(ColumnsFor(query, false),
            [
                Row(Day(new DateOnly(2026, 11, 2)), "a2", "4", "2", "20.000000", "8.000000", "0.500000"),
                Row(Day(new DateOnly(2026, 11, 1)), null, "3", "1", "10.000000", "4.500000", "0.333333"),
            ]));
        var reports = Reports(o => o.FreshnessTable = "silver_clicks");

        var result = await reports.QueryAsync(query, CancellationToken.None);

        Assert.Equal(2, result.Rows.Count);
        Assert.Equal("2026-11-02", result.Rows[0].Period);
        Assert.Equal("a2", result.Rows[0].Dimensions[ReportDimension.Affiliate]);
        Assert.Null(result.Rows[1].Dimensions[ReportDimension.Affiliate]);
        Assert.Equal(4m, result.Rows[0].Metrics[ReportMetric.Clicks]);
        Assert.Equal(20m, result.Rows[0].Metrics[ReportMetric.Revenue]);
        Assert.Equal(0.5m, result.Rows[0].Metrics[ReportMetric.ConversionRate]);
        Assert.Equal(4, result.Rows[0].Metrics.Count);
        Assert.Equal(7m, result.Totals[ReportMetric.Clicks]);
        Assert.Equal(30m, result.Totals[ReportMetric.Revenue]);
        Assert.Equal(17.5m, result.Totals[ReportMetric.Profit]);
        Assert.Equal(0.428571m, result.Totals[ReportMetric.ConversionRate]);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1793577600250), result.Freshness);

        var report = _server.Requests.First().Json;
        var sql = report.GetProperty("statement").GetString()!;
        Assert.Contains("FROM \"GOLD_DAILY\"", sql, StringComparison.Ordinal);
        Assert.Contains("\"OFFER_ID\" IN (?, ?)", sql, StringComparison.Ordinal);
        var bindings = report.GetProperty("bindings");
        Assert.Equal("DATE", bindings.GetProperty("1").GetProperty("type").GetString());
        Assert.Equal("2026-11-01", bindings.GetProperty("1").GetProperty("value").GetString());
        Assert.Equal("x'); DROP TABLE gold_daily; --", bindings.GetProperty("4").GetProperty("value").GetString());
        Assert.Contains("FROM \"SILVER_CLICKS\"", _server.Requests.Last().Json.GetProperty("statement").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hourly_report_in_a_dst_zone_reads_hourly_gold_with_utc_bounds_and_local_periods()
    {
        var query = new ReportQuery { From = new DateOnly(2026, 11, 1), To = new DateOnly(2026, 11, 1), TimeZone = "America/New_York", Grain = ReportGrain.Hour };
        var metrics = Enumerable.Repeat("1", 13).Concat(Enumerable.Repeat("2", 9)).ToArray();
        string?[] Row(DateTimeOffset hour) => [hour.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) + ".000000000", .. metrics];
        _server.Handler = _ => new FakeResponse(200, Shapes.ResultSet(ColumnsFor(query, true),
        [
            Row(new DateTimeOffset(2026, 11, 1, 5, 0, 0, TimeSpan.Zero)),
            Row(new DateTimeOffset(2026, 11, 1, 6, 0, 0, TimeSpan.Zero)),
        ]));

        var result = await Reports().QueryAsync(query, CancellationToken.None);

        // Clocks go back at 06:00 UTC: the same local hour appears twice with its two offsets.
        Assert.Equal(["2026-11-01T01:00:00-04:00", "2026-11-01T01:00:00-05:00"], result.Rows.Select(r => r.Period));
        var body = Assert.Single(_server.Requests).Json;
        Assert.Contains("FROM \"GOLD_HOURLY\"", body.GetProperty("statement").GetString(), StringComparison.Ordinal);
        var start = body.GetProperty("bindings").GetProperty("1");
        Assert.Equal("TIMESTAMP_NTZ", start.GetProperty("type").GetString());
        Assert.Equal("2026-11-01T04:00:00.0000000", start.GetProperty("value").GetString());
        Assert.Equal("2026-11-02T05:00:00.0000000", body.GetProperty("bindings").GetProperty("2").GetProperty("value").GetString());
    }

    [Fact]
    public void Local_days_across_a_dst_change_bind_the_change_point_and_both_offsets()
    {
        var query = new ReportQuery { From = new DateOnly(2026, 10, 31), To = new DateOnly(2026, 11, 1), TimeZone = "America/New_York", Grain = ReportGrain.Day };

        var compiled = Affiliate.Sdk.Snowflake.Reports.SnowflakeReportSqlCompiler.Compile(query, TestKeys.Options(new Uri("http://127.0.0.1:1")));

        Assert.Contains("TO_DATE(DATEADD(MINUTE, CASE WHEN \"HOUR\" < ? THEN ? ELSE ? END, \"HOUR\"))", compiled.Sql, StringComparison.Ordinal);
        Assert.Equal(
            [
                new SnowflakeBinding("TIMESTAMP_NTZ", "2026-10-31T04:00:00.0000000"),
                new SnowflakeBinding("TIMESTAMP_NTZ", "2026-11-02T05:00:00.0000000"),
                new SnowflakeBinding("TIMESTAMP_NTZ", "2026-11-01T06:00:00.0000000"),
                SnowflakeBinding.Fixed(-240L),
                SnowflakeBinding.Fixed(-300L),
                SnowflakeBinding.Fixed(1000L),
            ],
            compiled.Bindings);
    }

    [Fact]
    public async Task Invalid_query_is_refused_before_anything_is_sent()
    {
        var query = new ReportQuery { From = new DateOnly(2026, 11, 2), To = new DateOnly(2026, 11, 1), OrderBy = [new ReportSort("sub2")] };

        var e = await Assert.ThrowsAsync<ArgumentException>(() => Reports().QueryAsync(query, CancellationToken.None).AsTask());

        Assert.Contains("to: must not be before from", e.Message, StringComparison.Ordinal);
        Assert.Contains("orderBy: 'sub2' is not in groupBy", e.Message, StringComparison.Ordinal);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task Snowflake_errors_reach_the_report_caller_typed()
    {
        _server.Handler = _ => new FakeResponse(422, Shapes.Error("002003", "42S02", "Object 'GOLD_DAILY' does not exist or not authorized."));
        var query = new ReportQuery { From = new DateOnly(2026, 11, 1), To = new DateOnly(2026, 11, 1) };

        var e = await Assert.ThrowsAsync<SnowflakeException>(() => Reports().QueryAsync(query, CancellationToken.None).AsTask());

        Assert.Equal("42S02", e.SqlState);
    }

    private sealed class StaticMonitor(SnowflakeOptions value) : IOptionsMonitor<SnowflakeOptions>
    {
        public SnowflakeOptions CurrentValue => value;

        public SnowflakeOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<SnowflakeOptions, string?> listener) => null;
    }
}
