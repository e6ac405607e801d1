namespace Affiliate.Sdk.Snowflake;

/// <summary>
/// Runs SQL on Snowflake. <see cref="SnowflakeSqlApiClient"/> implements it over the SQL REST API; register your own
/// implementation before <c>AddSnowflake</c> to replace it.
/// </summary>
public interface ISnowflakeSqlClient
{
    /// <summary>Runs one statement to completion (waiting out asynchronous execution) and returns its first result partition.</summary>
    /// <param name="statement">The statement and its bindings.</param>
    /// <param name="cancellationToken">Stops waiting and asks Snowflake to cancel the statement.</param>
    /// <returns>The result set: columns, row count and the rows of partition 0.</returns>
    /// <exception cref="SnowflakeException">Snowflake refused or failed the statement.</exception>
    Task<SnowflakeResultSet> ExecuteAsync(SnowflakeStatement statement, CancellationToken cancellationToken);

    /// <summary>Fetches one further partition of a result set (partition 0 comes with <see cref="ExecuteAsync"/>).</summary>
    /// <param name="statementHandle">The statement's handle.</param>
    /// <param name="partition">The partition number, from 1 to <see cref="SnowflakeResultSet.PartitionCount"/> − 1.</param>
    /// <param name="cancellationToken">Stops the fetch.</param>
    /// <returns>The partition's rows, each value in Snowflake's text encoding (<see langword="null"/> for SQL NULL).</returns>
    Task<IReadOnlyList<string?[]>> GetPartitionAsync(string statementHandle, int partition, CancellationToken cancellationToken);

    /// <summary>Asks Snowflake to cancel a running statement.</summary>
    /// <param name="statementHandle">The statement's handle.</param>
    /// <param name="cancellationToken">Stops the request.</param>
    /// <returns>A task that completes when Snowflake has taken the request.</returns>
    Task CancelAsync(string statementHandle, CancellationToken cancellationToken);
}
