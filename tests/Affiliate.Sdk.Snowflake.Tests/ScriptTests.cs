namespace Affiliate.Sdk.Snowflake.Tests;

/// <summary>An <see cref="ISnowflakeSqlClient"/> of our own that records statements and fails the one asked to.</summary>
public sealed class ScriptRecorder : ISnowflakeSqlClient
{
    public List<string> Statements { get; } = [];

    public int FailAt { get; init; } = -1;

    public Task<SnowflakeResultSet> ExecuteAsync(SnowflakeStatement statement, CancellationToken cancellationToken)
    {
        Statements.Add(statement.Sql);
        if (Statements.Count == FailAt)
        {
            throw new SnowflakeException("Object does not exist", "002003", "42S02", "h", System.Net.HttpStatusCode.UnprocessableEntity, false);
        }

        return Task.FromResult(new SnowflakeResultSet("h", [], 0, 1, []));
    }

    public Task<IReadOnlyList<string?[]>> GetPartitionAsync(string statementHandle, int partition, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string?[]>>([]);

    public Task CancelAsync(string statementHandle, CancellationToken cancellationToken) => Task.CompletedTask;
}

public sealed class ScriptTests
{
    [Fact]
    public void Script_splits_at_semicolons_outside_strings_identifiers_bodies_and_comments()
    {
        var script = """
            -- the medallion; bronze first
            CREATE FILE FORMAT IF NOT EXISTS "pq;fmt" TYPE = PARQUET;
            CREATE TABLE IF NOT EXISTS t (a TEXT DEFAULT 'x;y', b TEXT DEFAULT 'it''s; ok');
            /* a; block */ CREATE OR REPLACE PROCEDURE p() RETURNS TEXT LANGUAGE SQL AS $$ BEGIN RETURN 'a;b'; END $$;
            ;
            -- trailing comment only
            """;

        var statements = SnowflakeScript.Split(script);

        Assert.Equal(3, statements.Count);
        Assert.EndsWith("TYPE = PARQUET", statements[0], StringComparison.Ordinal);
        Assert.StartsWith("-- the medallion; bronze first", statements[0], StringComparison.Ordinal);
        Assert.Contains("'it''s; ok')", statements[1], StringComparison.Ordinal);
        Assert.EndsWith("$$ BEGIN RETURN 'a;b'; END $$", statements[2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_runs_statements_in_order_and_skips_blank_ones()
    {
        var client = new ScriptRecorder();

        var run = await client.ApplyAsync(["CREATE SCHEMA IF NOT EXISTS s", "  ", "CREATE TABLE IF NOT EXISTS s.t (a INT)", "ALTER TABLE s.t ADD COLUMN b INT"], CancellationToken.None);

        Assert.Equal(3, run);
        Assert.Equal(["CREATE SCHEMA IF NOT EXISTS s", "CREATE TABLE IF NOT EXISTS s.t (a INT)", "ALTER TABLE s.t ADD COLUMN b INT"], client.Statements);
    }

    [Fact]
    public async Task Apply_stops_at_the_first_failure_and_names_its_position()
    {
        var client = new ScriptRecorder { FailAt = 2 };

        var e = await Assert.ThrowsAsync<SnowflakeException>(() => client.ApplyScriptAsync("CREATE SCHEMA s; CREATE TABLE s.t (a INT); CREATE VIEW v AS SELECT 1", CancellationToken.None));

        Assert.StartsWith("Statement 2 of the script failed", e.Message, StringComparison.Ordinal);
        Assert.Equal("002003", e.Code);
        Assert.Equal("42S02", e.SqlState);
        Assert.Equal(2, client.Statements.Count);
    }

    [Fact]
    public async Task Apply_goes_through_the_sql_api_one_request_per_statement()
    {
        await using var server = await FakeSnowflake.StartAsync();
        server.Handler = _ => new FakeResponse(200, Shapes.ResultSet([Shapes.Column("status", "text")], [["Statement executed successfully."]]));
        using var client = server.Client();

        await client.ApplyAsync(["CREATE SCHEMA IF NOT EXISTS GOLD", "CREATE TABLE IF NOT EXISTS GOLD.T (A INT)"], CancellationToken.None);

        Assert.Equal(["CREATE SCHEMA IF NOT EXISTS GOLD", "CREATE TABLE IF NOT EXISTS GOLD.T (A INT)"], server.Requests.Select(r => r.Json.GetProperty("statement").GetString()));
    }
}
