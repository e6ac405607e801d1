using Affiliate.Sdk.Reports;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace Affiliate.Sdk.Snowflake.Tests;

/// <summary>
/// Runs only when a real account is configured: <c>SNOWFLAKE_ACCOUNT</c>, <c>SNOWFLAKE_USER</c> and one of
/// <c>SNOWFLAKE_PRIVATE_KEY</c> / <c>SNOWFLAKE_PRIVATE_KEY_PATH</c> (with <c>SNOWFLAKE_PRIVATE_KEY_PASSPHRASE</c>) or
/// <c>SNOWFLAKE_OAUTH_TOKEN</c>; optional <c>SNOWFLAKE_WAREHOUSE</c>, <c>SNOWFLAKE_ROLE</c>. Otherwise skipped, saying why.
/// </summary>
public sealed class LiveSnowflakeFactAttribute : FactAttribute
{
    public LiveSnowflakeFactAttribute()
    {
        if (LiveSnowflake.Options() is null)
        {
            Skip = "Live Snowflake test skipped: set SNOWFLAKE_ACCOUNT, SNOWFLAKE_USER and SNOWFLAKE_PRIVATE_KEY, SNOWFLAKE_PRIVATE_KEY_PATH or SNOWFLAKE_OAUTH_TOKEN to run it against a real account.";
        }
    }
}

internal static class LiveSnowflake
{
    private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;

    public static SnowflakeOptions? Options()
    {
        var account = Env("SNOWFLAKE_ACCOUNT");
        var user = Env("SNOWFLAKE_USER");
        var key = Env("SNOWFLAKE_PRIVATE_KEY");
        var keyPath = Env("SNOWFLAKE_PRIVATE_KEY_PATH");
        var oauth = Env("SNOWFLAKE_OAUTH_TOKEN");
        if (account is null || (key is null && keyPath is null && oauth is null) || (oauth is null && user is null))
        {
            return null;
        }

        return new SnowflakeOptions
        {
            Account = account,
            User = user ?? string.Empty,
            PrivateKey = key,
            PrivateKeyPath = key is null ? keyPath : null,
            PrivateKeyPassphrase = Env("SNOWFLAKE_PRIVATE_KEY_PASSPHRASE"),
            OAuthToken = key is null && keyPath is null ? oauth : null,
            Warehouse = Env("SNOWFLAKE_WAREHOUSE"),
            Role = Env("SNOWFLAKE_ROLE"),
            Database = Env("SNOWFLAKE_DATABASE"),
            Schema = Env("SNOWFLAKE_SCHEMA"),
        };
    }
}

public sealed class LiveSnowflakeTests(ITestOutputHelper output)
{
    [LiveSnowflakeFact]
    public async Task Real_account_runs_a_bound_query_and_returns_exact_types()
    {
        var options = LiveSnowflake.Options()!;
        using var client = new SnowflakeSqlApiClient(new HttpClient(), Microsoft.Extensions.Options.Options.Create(options));
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var statement = new SnowflakeStatement(
            "SELECT ?::NUMBER(38,6) AS N, ?::TEXT AS S, ?::DATE AS D, ?::TIMESTAMP_TZ AS TS, ?::BOOLEAN AS B",
            SnowflakeBinding.Fixed(1234.567891m),
            SnowflakeBinding.Text("x'); DROP TABLE t; --"),
            SnowflakeBinding.Date(new DateOnly(2026, 11, 1)),
            SnowflakeBinding.TimestampTz(new DateTimeOffset(2026, 11, 1, 5, 30, 0, TimeSpan.FromHours(2))),
            SnowflakeBinding.Boolean(true));

        var result = await client.ExecuteAsync(statement, cts.Token);
        var row = Assert.Single(await client.ReadRowsAsync(result, cts.Token).ToListAsync(cts.Token));

        output.WriteLine($"Live Snowflake statement {result.StatementHandle} answered.");
        Assert.Equal(1234.567891m, row[0]);
        Assert.Equal("x'); DROP TABLE t; --", row[1]);
        Assert.Equal(new DateOnly(2026, 11, 1), row[2]);
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 3, 30, 0, TimeSpan.Zero), row[3]);
        Assert.Equal(true, row[4]);

        var e = await Assert.ThrowsAsync<SnowflakeException>(() => client.ExecuteAsync(new SnowflakeStatement("SELECT * FROM AFFILIATE_SDK_NO_SUCH_TABLE"), cts.Token));
        Assert.Equal("42S02", e.SqlState);
    }
}
