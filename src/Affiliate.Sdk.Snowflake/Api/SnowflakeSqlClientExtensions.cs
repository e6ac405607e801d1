using System.Runtime.CompilerServices;

namespace Affiliate.Sdk.Snowflake;

/// <summary>Row streaming and script application over any <see cref="ISnowflakeSqlClient"/>.</summary>
public static class SnowflakeSqlClientExtensions
{
    /// <summary>
    /// Streams every row of a result set as .NET values (see <see cref="SnowflakeValues.Convert"/>), fetching partition after
    /// partition only as the caller reads on.
    /// </summary>
    /// <param name="client">The client that ran the statement.</param>
    /// <param name="result">The result set.</param>
    /// <param name="cancellationToken">Stops the reading.</param>
    /// <returns>The rows, one array of values per row, in column order.</returns>
    public static async IAsyncEnumerable<object?[]> ReadRowsAsync(
        this ISnowflakeSqlClient client,
        SnowflakeResultSet result,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(result);
        var partition = result.FirstPartition;
        for (var p = 0; ; )
        {
            foreach (var raw in partition)
            {
                yield return SnowflakeValues.ConvertRow(result.Columns, raw);
            }

            if (++p >= result.PartitionCount)
            {
                yield break;
            }

            partition = await client.GetPartitionAsync(result.StatementHandle, p, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs statements one by one, in order, each waiting for the previous one (a DDL script, such as the generated medallion
    /// DDL). Stops at the first failure, which names the statement's position.
    /// </summary>
    /// <param name="client">The client.</param>
    /// <param name="statements">The statements, without bindings; blank entries are skipped.</param>
    /// <param name="cancellationToken">Stops after the running statement is cancelled.</param>
    /// <returns>The number of statements run.</returns>
    /// <exception cref="SnowflakeException">A statement failed; the message says which (1-based) and Snowflake's error.</exception>
    public static async Task<int> ApplyAsync(this ISnowflakeSqlClient client, IEnumerable<string> statements, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(statements);
        var index = 0;
        var run = 0;
        foreach (var sql in statements)
        {
            index++;
            if (string.IsNullOrWhiteSpace(sql))
            {
                continue;
            }

            try
            {
                await client.ExecuteAsync(new SnowflakeStatement(sql), cancellationToken).ConfigureAwait(false);
            }
            catch (SnowflakeException e)
            {
                throw new SnowflakeException(
                    $"Statement {index} of the script failed: {e.Message}", e.Code, e.SqlState, e.StatementHandle, e.StatusCode, e.IsRetryable, e);
            }

            run++;
        }

        return run;
    }

    /// <summary>Splits a script into statements with <see cref="SnowflakeScript.Split"/> and runs them in order.</summary>
    /// <param name="client">The client.</param>
    /// <param name="script">Statements separated by semicolons.</param>
    /// <param name="cancellationToken">Stops after the running statement is cancelled.</param>
    /// <returns>The number of statements run.</returns>
    public static Task<int> ApplyScriptAsync(this ISnowflakeSqlClient client, string script, CancellationToken cancellationToken) =>
        client.ApplyAsync(SnowflakeScript.Split(script), cancellationToken);
}
