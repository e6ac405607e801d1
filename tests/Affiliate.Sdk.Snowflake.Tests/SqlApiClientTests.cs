using System.Net;
using System.Numerics;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.DependencyInjection;
using System.Diagnostics.Metrics;

namespace Affiliate.Sdk.Snowflake.Tests;

public sealed class SqlApiClientTests : IAsyncLifetime
{
    private FakeSnowflake _server = null!;

    public async Task InitializeAsync() => _server = await FakeSnowflake.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static readonly string[] TypedColumns =
    [
        Shapes.Column("N", "fixed", 38, 3), Shapes.Column("BIG", "fixed", 38, 0), Shapes.Column("NAME", "text"),
        Shapes.Column("R", "real"), Shapes.Column("B", "boolean"), Shapes.Column("D", "date"),
        Shapes.Column("T", "time", null, 9), Shapes.Column("NTZ", "timestamp_ntz", null, 9),
        Shapes.Column("LTZ", "timestamp_ltz", null, 9), Shapes.Column("TZ", "timestamp_tz", null, 9),
        Shapes.Column("BIN", "binary"), Shapes.Column("V", "variant"),
    ];

    [Fact]
    public async Task Synchronous_200_result_converts_every_documented_encoding_to_exact_dotnet_values()
    {
        _server.Handler = _ => new FakeResponse(200, Shapes.ResultSet(TypedColumns,
        [
            ["123.450", "123456789012345678901234567890123", "héllo ✓", "1.5", "true", "19723", "3661.123456789",
             "1704067200.123456789", "-0.500000000", "1704067200.000000000 1500", "48656C6C6F", "{\"a\":1}"],
            [null, "0", "", "-inf", "false", "-1", "0.000000000", "0.000000000", "1.000000001", "1704067200.5 1140", "", "[]"],
        ]));
        using var client = _server.Client();

        var result = await client.ExecuteAsync(new SnowflakeStatement("SELECT 1"), CancellationToken.None);
        var rows = await client.ReadRowsAsync(result).ToListAsync();

        Assert.Equal(Shapes.Handle, result.StatementHandle);
        Assert.Equal(2, rows.Count);
        var r = rows[0];
        Assert.Equal(123.450m, r[0]);
        Assert.Equal("123.450", ((decimal)r[0]!).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(BigInteger.Parse("123456789012345678901234567890123", System.Globalization.CultureInfo.InvariantCulture), r[1]);
        Assert.Equal("héllo ✓", r[2]);
        Assert.Equal(1.5d, r[3]);
        Assert.Equal(true, r[4]);
        Assert.Equal(new DateOnly(2024, 1, 1), r[5]);
        Assert.Equal(new TimeOnly(1, 1, 1).Add(TimeSpan.FromTicks(1234567)), r[6]);
        Assert.Equal(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(1234567), r[7]);
        Assert.Equal(new DateTimeOffset(1969, 12, 31, 23, 59, 59, 500, TimeSpan.Zero), r[8]);

        // TIMESTAMP_TZ: the instant, returned in UTC (the encoded offset 1500 − 1440 = +60 minutes does not move it).
        var tz = Assert.IsType<DateTimeOffset>(r[9]);
        Assert.Equal(TimeSpan.Zero, tz.Offset);
        Assert.Equal(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero), tz);
        Assert.Equal("Hello"u8.ToArray(), r[10]);
        Assert.Equal("{\"a\":1}", r[11]);

        var n = rows[1];
        Assert.Null(n[0]);
        Assert.Equal(0m, n[1]);
        Assert.Equal(double.NegativeInfinity, n[3]);
        Assert.Equal(false, n[4]);
        Assert.Equal(new DateOnly(1969, 12, 31), n[5]);
        Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(1), n[8]);
        Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(1704067200.5), n[9]);
    }

    [Fact]
    public async Task Submission_carries_auth_headers_context_and_typed_bindings()
    {
        _server.Handler = _ => new FakeResponse(200, Shapes.ResultSet([Shapes.Column("X", "fixed", 38, 0)], [["1"]]));
        using var client = _server.Client();
        var statement = new SnowflakeStatement(
            "SELECT ? , ?, ?, ?, ?, ?, ?, ?, ?, ?",
            SnowflakeBinding.Text("x'); DROP TABLE gold; --"),
            SnowflakeBinding.Fixed(42L),
            SnowflakeBinding.Fixed(-1234.500100m),
            SnowflakeBinding.Real(0.1),
            SnowflakeBinding.Boolean(true),
            SnowflakeBinding.Date(new DateOnly(2026, 11, 1)),
            SnowflakeBinding.TimestampTz(new DateTimeOffset(2026, 11, 1, 5, 30, 0, TimeSpan.FromHours(-4))),
            SnowflakeBinding.TimestampNtz(new DateTimeOffset(2026, 11, 1, 5, 30, 0, TimeSpan.Zero)),
            SnowflakeBinding.Time(new TimeOnly(23, 59, 58)),
            SnowflakeBinding.Null("TEXT"))
        { Parameters = new Dictionary<string, string> { ["TIMEZONE"] = "UTC" }, Timeout = TimeSpan.FromSeconds(30) };

        await client.ExecuteAsync(statement, CancellationToken.None);

        var request = Assert.Single(_server.Requests);
        Assert.True(request.IsSubmit);
        Assert.True(Guid.TryParse(request.QueryValue("requestId"), out _));
        Assert.Null(request.QueryValue("retry"));
        Assert.StartsWith("Bearer ", request.Headers["Authorization"], StringComparison.Ordinal);
        Assert.Equal("KEYPAIR_JWT", request.Headers["X-Snowflake-Authorization-Token-Type"]);
        Assert.StartsWith("Affiliate.Sdk.Snowflake/", request.Headers["User-Agent"], StringComparison.Ordinal);
        Assert.Contains("application/json", request.Headers["Accept"], StringComparison.Ordinal);

        var body = request.Json;
        Assert.Equal(statement.Sql, body.GetProperty("statement").GetString());
        Assert.Equal(30, body.GetProperty("timeout").GetInt32());
        Assert.Equal("AFFILIATE", body.GetProperty("database").GetString());
        Assert.Equal("GOLD", body.GetProperty("schema").GetString());
        Assert.Equal("REPORT_WH", body.GetProperty("warehouse").GetString());
        Assert.Equal("REPORTER", body.GetProperty("role").GetString());
        Assert.Equal("UTC", body.GetProperty("parameters").GetProperty("TIMEZONE").GetString());
        var bindings = body.GetProperty("bindings");
        (string Type, string? Value)[] expected =
        [
            ("TEXT", "x'); DROP TABLE gold; --"), ("FIXED", "42"), ("FIXED", "-1234.500100"), ("REAL", "0.1"), ("BOOLEAN", "true"),
            ("DATE", "2026-11-01"), ("TIMESTAMP_TZ", "2026-11-01T05:30:00.0000000-04:00"), ("TIMESTAMP_NTZ", "2026-11-01T05:30:00.0000000"),
            ("TIME", "23:59:58.0000000"), ("TEXT", null),
        ];
        Assert.Equal(expected.Length, bindings.EnumerateObject().Count());
        for (var i = 0; i < expected.Length; i++)
        {
            var binding = bindings.GetProperty((i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(expected[i].Type, binding.GetProperty("type").GetString());
            Assert.Equal(expected[i].Value, binding.GetProperty("value").GetString());
        }
    }

    [Fact]
    public async Task OAuth_token_is_sent_with_its_token_type()
    {
        _server.Handler = _ => new FakeResponse(200, Shapes.ResultSet([Shapes.Column("X", "fixed", 38, 0)], [["1"]]));
        using var client = _server.Client(o => { o.PrivateKey = null; o.OAuthToken = "oauth-access-token"; });

        await client.ExecuteAsync(new SnowflakeStatement("SELECT 1"), CancellationToken.None);

        var request = Assert.Single(_server.Requests);
        Assert.Equal("Bearer oauth-access-token", request.Headers["Authorization"]);
        Assert.Equal("OAUTH", request.Headers["X-Snowflake-Authorization-Token-Type"]);
    }

    [Fact]
    public async Task Asynchronous_202_is_polled_at_the_status_url_until_200()
    {
        var polls = 0;
        _server.Handler = r => r.IsSubmit
            ? new FakeResponse(202, Shapes.Running())
            : Interlocked.Increment(ref polls) < 3
                ? new FakeResponse(202, Shapes.Running())
                : new FakeResponse(200, Shapes.ResultSet([Shapes.Column("X", "fixed", 38, 0)], [["7"]]));
        using var client = _server.Client();

        var result = await client.ExecuteAsync(new SnowflakeStatement("CALL slow()"), CancellationToken.None);

        Assert.Equal("7", result.FirstPartition.Single()[0]);
        var gets = _server.Requests.Where(r => r.Method == "GET").ToList();
        Assert.Equal(3, gets.Count);
        Assert.All(gets, g => Assert.Equal("/api/v2/statements/" + Shapes.Handle, g.Path));
        Assert.All(gets, g => Assert.Equal("KEYPAIR_JWT", g.Headers["X-Snowflake-Authorization-Token-Type"]));
    }

    [Fact]
    public async Task Multi_partition_results_stream_every_partition_in_order_including_gzip_ones()
    {
        _server.Handler = r => r.IsSubmit
            ? new FakeResponse(200, Shapes.ResultSet([Shapes.Column("I", "fixed", 38, 0)], [["0"], ["1"]], partitions: 3, numRows: 6))
            : r.QueryValue("partition") switch
            {
                "1" => new FakeResponse(200, Shapes.Partition([["2"], ["3"]]), Gzip: true),
                "2" => new FakeResponse(200, Shapes.Partition([["4"], ["5"]])),
                _ => new FakeResponse(404),
            };
        using var client = _server.Client();

        var result = await client.ExecuteAsync(new SnowflakeStatement("SELECT i FROM big"), CancellationToken.None);
        Assert.Equal(3, result.PartitionCount);
        Assert.Equal(6, result.RowCount);
        Assert.Single(_server.Requests);

        var values = await client.ReadRowsAsync(result).Select(row => (decimal)row[0]!).ToListAsync();

        Assert.Equal([0m, 1m, 2m, 3m, 4m, 5m], values);
        var fetches = _server.Requests.Where(r => r.Method == "GET").Select(r => r.QueryValue("partition")).ToList();
        Assert.Equal(["1", "2"], fetches);
    }

    [Fact]
    public async Task Error_422_becomes_a_SnowflakeException_with_code_sql_state_and_handle()
    {
        _server.Handler = _ => new FakeResponse(422, Shapes.Error("002003", "42S02", "SQL compilation error:\nObject 'GOLD_DAILY' does not exist or not authorized."));
        using var client = _server.Client();

        var e = await Assert.ThrowsAsync<SnowflakeException>(() => client.ExecuteAsync(new SnowflakeStatement("SELECT * FROM gold_daily"), CancellationToken.None));

        Assert.Equal("002003", e.Code);
        Assert.Equal("42S02", e.SqlState);
        Assert.Equal(Shapes.Handle, e.StatementHandle);
        Assert.Equal((HttpStatusCode)422, e.StatusCode);
        Assert.False(e.IsRetryable);
        Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task Error_while_polling_becomes_a_SnowflakeException()
    {
        _server.Handler = r => r.IsSubmit ? new FakeResponse(202, Shapes.Running()) : new FakeResponse(422, Shapes.Error("100038", "22018", "Numeric value 'abc' is not recognized"));
        using var client = _server.Client();

        var e = await Assert.ThrowsAsync<SnowflakeException>(() => client.ExecuteAsync(new SnowflakeStatement("SELECT 'abc'::int"), CancellationToken.None));

        Assert.Equal("100038", e.Code);
        Assert.Equal("22018", e.SqlState);
    }

    [Fact]
    public async Task Throttling_429_and_503_are_retried_with_the_same_request_id_and_retry_flag()
    {
        using var meterFactory = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = meterFactory.GetRequiredService<IMeterFactory>();
        using var retries = new MetricCollector<long>(factory, SnowflakeTelemetry.Name, "affiliate.sdk.snowflake.retries");
        using var statements = new MetricCollector<long>(factory, SnowflakeTelemetry.Name, "affiliate.sdk.snowflake.statements");
        var calls = 0;
        _server.Handler = _ => Interlocked.Increment(ref calls) switch
        {
            1 => new FakeResponse(429, null, new Dictionary<string, string> { ["Retry-After"] = "0" }),
            2 => new FakeResponse(503),
            _ => new FakeResponse(200, Shapes.ResultSet([Shapes.Column("X", "fixed", 38, 0)], [["1"]])),
        };
        using var client = _server.Client(meterFactory: factory);

        var result = await client.ExecuteAsync(new SnowflakeStatement("INSERT INTO t VALUES (1)"), CancellationToken.None);

        Assert.Equal("1", result.FirstPartition.Single()[0]);
        var submits = _server.Requests.ToList();
        Assert.Equal(3, submits.Count);
        Assert.Single(submits.Select(r => r.QueryValue("requestId")).Distinct());
        Assert.Null(submits[0].QueryValue("retry"));
        Assert.Equal("true", submits[1].QueryValue("retry"));
        Assert.Equal("true", submits[2].QueryValue("retry"));
        Assert.Equal(["429", "503"], retries.GetMeasurementSnapshot().Select(m => (string)m.Tags["reason"]!));
        Assert.Equal("succeeded", Assert.Single(statements.GetMeasurementSnapshot()).Tags["outcome"]);
    }

    [Fact]
    public async Task Throttling_that_never_ends_gives_up_after_max_retries_with_a_retryable_error()
    {
        _server.Handler = _ => new FakeResponse(503);
        using var client = _server.Client(o => o.MaxRetries = 3);

        var e = await Assert.ThrowsAsync<SnowflakeException>(() => client.ExecuteAsync(new SnowflakeStatement("SELECT 1"), CancellationToken.None));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, e.StatusCode);
        Assert.True(e.IsRetryable);
        Assert.Contains("3 retries", e.Message, StringComparison.Ordinal);
        Assert.Equal(4, _server.Requests.Count);
    }

    [Fact]
    public async Task Gateway_timeout_and_request_timeout_are_retried_too()
    {
        var calls = 0;
        _server.Handler = _ => Interlocked.Increment(ref calls) switch
        {
            1 => new FakeResponse(504),
            2 => new FakeResponse(408),
            _ => new FakeResponse(200, Shapes.ResultSet([Shapes.Column("X", "fixed", 38, 0)], [["1"]])),
        };
        using var client = _server.Client();

        await client.ExecuteAsync(new SnowflakeStatement("SELECT 1"), CancellationToken.None);

        Assert.Equal(3, _server.Requests.Count);
    }

    [Fact]
    public async Task Cancelling_a_running_statement_calls_the_cancel_endpoint()
    {
        var polled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _server.Handler = r =>
        {
            if (r.Path.EndsWith("/cancel", StringComparison.Ordinal))
            {
                return new FakeResponse(200, Shapes.Cancelled());
            }

            if (r.Method == "GET")
            {
                polled.TrySetResult();
            }

            return new FakeResponse(202, Shapes.Running());
        };
        using var client = _server.Client();
        using var cts = new CancellationTokenSource();

        var running = client.ExecuteAsync(new SnowflakeStatement("CALL forever()"), cts.Token);
        await polled.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        var cancel = Assert.Single(_server.Requests, r => r.Path.EndsWith("/cancel", StringComparison.Ordinal));
        Assert.Equal("POST", cancel.Method);
        Assert.Equal($"/api/v2/statements/{Shapes.Handle}/cancel", cancel.Path);
    }

    [Fact]
    public async Task A_rejected_key_pair_token_is_signed_anew_once()
    {
        var calls = 0;
        _server.Handler = _ => Interlocked.Increment(ref calls) == 1
            ? new FakeResponse(401, Shapes.Error("390144", "08004", "JWT token is invalid."))
            : new FakeResponse(200, Shapes.ResultSet([Shapes.Column("X", "fixed", 38, 0)], [["1"]]));
        using var client = _server.Client();

        await client.ExecuteAsync(new SnowflakeStatement("SELECT 1"), CancellationToken.None);

        Assert.Equal(2, _server.Requests.Count);
    }

    [Fact]
    public async Task Persistent_401_is_not_retried_forever()
    {
        _server.Handler = _ => new FakeResponse(401, Shapes.Error("390144", "08004", "JWT token is invalid."));
        using var client = _server.Client();

        var e = await Assert.ThrowsAsync<SnowflakeException>(() => client.ExecuteAsync(new SnowflakeStatement("SELECT 1"), CancellationToken.None));

        Assert.Equal(HttpStatusCode.Unauthorized, e.StatusCode);
        Assert.Equal("390144", e.Code);
        Assert.Equal(2, _server.Requests.Count);
    }

    [Fact]
    public async Task Unreachable_server_is_retried_then_reported_as_a_retryable_network_failure()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var options = TestKeys.Options(new Uri($"http://127.0.0.1:{port}"));
        options.MaxRetries = 2;
        using var client = new SnowflakeSqlApiClient(new HttpClient(), Microsoft.Extensions.Options.Options.Create(options));

        var e = await Assert.ThrowsAsync<SnowflakeException>(() => client.ExecuteAsync(new SnowflakeStatement("SELECT 1"), CancellationToken.None));

        Assert.Null(e.StatusCode);
        Assert.True(e.IsRetryable);
        Assert.Contains("'network' after 2 retries", e.Message, StringComparison.Ordinal);
        Assert.IsType<HttpRequestException>(e.InnerException);
    }

    [Theory]
    [InlineData("timestamp_tz", "1704067200.000000000 2881")]
    [InlineData("date", "yesterday")]
    [InlineData("boolean", "maybe")]
    public void Values_outside_the_documented_encoding_are_refused(string type, string value)
    {
        Assert.ThrowsAny<FormatException>(() => SnowflakeValues.Convert(new SnowflakeColumn("C", type, null, null, true), value));
    }

    [Fact]
    public async Task Cancelling_before_snowflake_answers_finds_the_statement_by_request_id_and_cancels_it()
    {
        var submitted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var release = new ManualResetEventSlim();
        _server.Handler = r =>
        {
            if (r.Path.EndsWith("/cancel", StringComparison.Ordinal))
            {
                return new FakeResponse(200, Shapes.Cancelled());
            }

            if (r.IsSubmit && r.QueryValue("async") is null)
            {
                // Snowflake holds a synchronous submission open while the statement runs (up to 45 s).
                submitted.TrySetResult();
                release.Wait(TimeSpan.FromSeconds(30));
            }

            return new FakeResponse(202, Shapes.Running());
        };
        using var client = _server.Client();
        using var cts = new CancellationTokenSource();
        try
        {
            var running = client.ExecuteAsync(new SnowflakeStatement("CALL forever()"), cts.Token);
            await submitted.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await cts.CancelAsync();

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        }
        finally
        {
            release.Set();
        }

        var submits = _server.Requests.Where(r => r.IsSubmit).ToList();
        Assert.Equal(2, submits.Count);
        Assert.Equal(submits[0].QueryValue("requestId"), submits[1].QueryValue("requestId"));
        Assert.Equal("true", submits[1].QueryValue("retry"));
        Assert.Equal("true", submits[1].QueryValue("async"));
        Assert.Single(_server.Requests, r => r.Path == $"/api/v2/statements/{Shapes.Handle}/cancel");
    }

    [FsCheck.Xunit.Property(MaxTest = 200)]
    public bool Backoff_doubles_within_jitter_bounds_and_never_undercuts_retry_after(FsCheck.PositiveInt retry, FsCheck.NonNegativeInt retryAfterMs)
    {
        using var client = _server.Client(o => { o.RetryBaseDelay = TimeSpan.FromMilliseconds(100); o.MaxRetryDelay = TimeSpan.FromSeconds(10); });
        var n = Math.Min(retry.Get, 40);
        var after = retryAfterMs.Get == 0 ? (TimeSpan?)null : TimeSpan.FromMilliseconds(retryAfterMs.Get);

        var delay = client.Backoff(n, after);

        var ceiling = TimeSpan.FromMilliseconds(Math.Min(100 * Math.Pow(2, n - 1), 10_000));
        var jittered = delay >= ceiling / 2 && delay <= ceiling;
        return after is { } a && a > ceiling ? delay == a : jittered || delay == after;
    }
}
