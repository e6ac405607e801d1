using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace Affiliate.Sdk.Snowflake;

/// <summary>Name of the package's <see cref="Meter"/>, for <c>AddMeter</c> in OpenTelemetry.</summary>
public static class SnowflakeTelemetry
{
    /// <summary>The meter name.</summary>
    public const string Name = "Affiliate.Sdk.Snowflake";
}

/// <summary>Statements, retries and latency of the SQL API client.</summary>
internal sealed class SnowflakeMetrics
{
    private readonly Counter<long>? _statements;
    private readonly Counter<long>? _retries;
    private readonly Histogram<double>? _duration;

    public SnowflakeMetrics(IMeterFactory? meterFactory)
    {
        if (meterFactory is null)
        {
            return;
        }

        var meter = meterFactory.Create(SnowflakeTelemetry.Name);
        _statements = meter.CreateCounter<long>("affiliate.sdk.snowflake.statements", "{statement}", "Statements run through the SQL API, by outcome (succeeded, failed, cancelled).");
        _retries = meter.CreateCounter<long>("affiliate.sdk.snowflake.retries", "{retry}", "Requests to the SQL API sent again after throttling or a transient failure, by reason.");
        _duration = meter.CreateHistogram<double>("affiliate.sdk.snowflake.statement.duration", "s", "Time from submitting a statement to its first result partition (polling included).");
    }

    public void Statement(string outcome, TimeSpan elapsed)
    {
        var tag = new KeyValuePair<string, object?>("outcome", outcome);
        _statements?.Add(1, tag);
        _duration?.Record(elapsed.TotalSeconds, tag);
    }

    public void Retry(string reason) => _retries?.Add(1, new KeyValuePair<string, object?>("reason", reason));
}

/// <summary>The client's log messages. Never logs tokens, keys or bind values.</summary>
internal static partial class SnowflakeLog
{
    [LoggerMessage(1, LogLevel.Debug, "Snowflake statement {StatementHandle} is running; polling its status")]
    public static partial void Polling(ILogger logger, string statementHandle);

    [LoggerMessage(2, LogLevel.Warning, "Snowflake SQL API answered {Reason}; retry {Attempt} of {MaxRetries} in {DelayMs} ms")]
    public static partial void Retrying(ILogger logger, string reason, int attempt, int maxRetries, long delayMs);

    [LoggerMessage(3, LogLevel.Warning, "Snowflake statement {StatementHandle} failed: code {Code}, SQL state {SqlState}")]
    public static partial void Failed(ILogger logger, string? statementHandle, string? code, string? sqlState);

    [LoggerMessage(4, LogLevel.Information, "Cancelling Snowflake statement {StatementHandle}")]
    public static partial void Cancelling(ILogger logger, string statementHandle);

    [LoggerMessage(5, LogLevel.Warning, "Could not cancel Snowflake statement {StatementHandle}")]
    public static partial void CancelFailed(ILogger logger, Exception exception, string statementHandle);

    [LoggerMessage(6, LogLevel.Information, "Snowflake rejected the key-pair token (401); signing a new one")]
    public static partial void TokenRejected(ILogger logger);

    [LoggerMessage(7, LogLevel.Debug, "Snowflake statement {StatementHandle} done: {RowCount} rows in {PartitionCount} partitions")]
    public static partial void Done(ILogger logger, string statementHandle, long rowCount, int partitionCount);
}
