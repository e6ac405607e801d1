namespace Affiliate.Sdk;

/// <summary>The base of the SDK's exceptions: says whether trying the same call again may succeed.</summary>
public class AffiliateSdkException : Exception
{
    /// <summary>Creates the exception.</summary>
    public AffiliateSdkException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public AffiliateSdkException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public AffiliateSdkException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception stating whether a retry may succeed.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="isRetryable">Whether the same call may succeed later.</param>
    /// <param name="innerException">The cause, if any.</param>
    public AffiliateSdkException(string message, bool isRetryable, Exception? innerException = null)
        : base(message, innerException)
    {
        IsRetryable = isRetryable;
    }

    /// <summary>Whether the same call may succeed if tried again later (a transient fault).</summary>
    public bool IsRetryable { get; }
}

/// <summary>An event could not be handed on durably; nothing was acknowledged.</summary>
public sealed class PublishException : AffiliateSdkException
{
    /// <summary>Creates the exception.</summary>
    public PublishException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public PublishException(string message)
        : base(message, isRetryable: true)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public PublishException(string message, Exception innerException)
        : base(message, isRetryable: true, innerException)
    {
    }
}
