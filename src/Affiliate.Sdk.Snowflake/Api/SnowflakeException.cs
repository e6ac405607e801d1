using System.Net;

namespace Affiliate.Sdk.Snowflake;

/// <summary>
/// Snowflake refused or failed a request: carries Snowflake's error <see cref="Code"/>, the ANSI <see cref="SqlState"/>, the
/// <see cref="StatementHandle"/> (for Snowflake's query history) and the HTTP status.
/// </summary>
public sealed class SnowflakeException : AffiliateSdkException
{
    /// <summary>Creates the exception.</summary>
    public SnowflakeException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public SnowflakeException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public SnowflakeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception from Snowflake's error fields.</summary>
    /// <param name="message">What went wrong (Snowflake's message).</param>
    /// <param name="code">Snowflake's error code, e.g. <c>002003</c>.</param>
    /// <param name="sqlState">The SQL state, e.g. <c>42S02</c>.</param>
    /// <param name="statementHandle">The statement's handle, when Snowflake gave one.</param>
    /// <param name="statusCode">The HTTP status of the answer, when there was one.</param>
    /// <param name="isRetryable">Whether the same request may succeed later.</param>
    /// <param name="innerException">The cause, if any.</param>
    public SnowflakeException(
        string message,
        string? code,
        string? sqlState,
        string? statementHandle,
        HttpStatusCode? statusCode,
        bool isRetryable,
        Exception? innerException = null)
        : base(message, isRetryable, innerException)
    {
        Code = code;
        SqlState = sqlState;
        StatementHandle = statementHandle;
        StatusCode = statusCode;
    }

    /// <summary>Snowflake's error code (six digits, e.g. <c>002003</c>), when it gave one.</summary>
    public string? Code { get; }

    /// <summary>The five-character SQL state (e.g. <c>42S02</c>), when Snowflake gave one.</summary>
    public string? SqlState { get; }

    /// <summary>The handle (query id) of the failed statement, when Snowflake gave one.</summary>
    public string? StatementHandle { get; }

    /// <summary>The HTTP status of the answer; <see langword="null"/> when no answer came (network failure).</summary>
    public HttpStatusCode? StatusCode { get; }
}
