namespace Affiliate.Sdk.Snowflake;

/// <summary>A column of a result set, as the SQL API describes it in <c>resultSetMetaData.rowType</c>.</summary>
/// <param name="Name">The column name.</param>
/// <param name="Type">The Snowflake type in lower case: <c>fixed</c>, <c>real</c>, <c>text</c>, <c>boolean</c>, <c>date</c>, <c>time</c>, <c>timestamp_tz</c>, …</param>
/// <param name="Precision">Precision of <c>fixed</c> columns.</param>
/// <param name="Scale">Scale of <c>fixed</c> and time columns.</param>
/// <param name="Nullable">Whether the column may hold NULL.</param>
public sealed record SnowflakeColumn(string Name, string Type, int? Precision, int? Scale, bool Nullable);

/// <summary>
/// The outcome of a statement: its handle, the columns, the total row count and the rows of partition 0. Further partitions
/// are fetched on demand by <see cref="SnowflakeSqlClientExtensions.ReadRowsAsync"/>.
/// </summary>
public sealed class SnowflakeResultSet
{
    /// <summary>Creates a result set.</summary>
    /// <param name="statementHandle">The statement's handle.</param>
    /// <param name="columns">The columns.</param>
    /// <param name="rowCount">Rows over every partition.</param>
    /// <param name="partitionCount">Number of partitions (at least 1).</param>
    /// <param name="firstPartition">The rows of partition 0 in Snowflake's text encoding.</param>
    public SnowflakeResultSet(string statementHandle, IReadOnlyList<SnowflakeColumn> columns, long rowCount, int partitionCount, IReadOnlyList<string?[]> firstPartition)
    {
        ArgumentNullException.ThrowIfNull(statementHandle);
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(firstPartition);
        StatementHandle = statementHandle;
        Columns = columns;
        RowCount = rowCount;
        PartitionCount = Math.Max(1, partitionCount);
        FirstPartition = firstPartition;
    }

    /// <summary>The statement's handle (its query id in Snowflake's history).</summary>
    public string StatementHandle { get; }

    /// <summary>The columns, in order.</summary>
    public IReadOnlyList<SnowflakeColumn> Columns { get; }

    /// <summary>Rows over every partition (for DML, Snowflake's count row).</summary>
    public long RowCount { get; }

    /// <summary>Number of result partitions.</summary>
    public int PartitionCount { get; }

    /// <summary>The rows of partition 0, each value in Snowflake's text encoding (<see langword="null"/> for SQL NULL).</summary>
    public IReadOnlyList<string?[]> FirstPartition { get; }
}
