using System.Net;

namespace Affiliate.Sdk.Kinesis;

/// <summary>A Kinesis call failed as a whole; says the service's error type and whether a retry may succeed.</summary>
public sealed class KinesisException : AffiliateSdkException
{
    /// <summary>Creates the exception.</summary>
    public KinesisException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public KinesisException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public KinesisException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a failed call.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="errorType">The service's error type (e.g. <c>ResourceNotFoundException</c>), if known.</param>
    /// <param name="statusCode">The HTTP status, if a response arrived.</param>
    /// <param name="isRetryable">Whether the same call may succeed later.</param>
    /// <param name="innerException">The cause, if any.</param>
    public KinesisException(string message, string? errorType, HttpStatusCode? statusCode, bool isRetryable, Exception? innerException = null)
        : base(message, isRetryable, innerException)
    {
        ErrorType = errorType;
        StatusCode = statusCode;
    }

    /// <summary>The service's error type, such as <c>ProvisionedThroughputExceededException</c>.</summary>
    public string? ErrorType { get; }

    /// <summary>The HTTP status of the response, when one arrived.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>Whether the failure is the service asking to slow down.</summary>
    public bool IsThrottling => ErrorType is "ProvisionedThroughputExceededException" or "LimitExceededException" or "ThrottlingException"
        || StatusCode == HttpStatusCode.TooManyRequests;
}
