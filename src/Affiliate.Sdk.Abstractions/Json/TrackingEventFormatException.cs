namespace Affiliate.Sdk.Json;

/// <summary>Bytes that should hold a tracking event do not; the message names the problem.</summary>
public sealed class TrackingEventFormatException : AffiliateSdkException
{
    /// <summary>Creates the exception.</summary>
    public TrackingEventFormatException()
        : base("The bytes are not a valid tracking event.", isRetryable: false)
    {
    }

    /// <summary>Creates the exception with a message naming the problem.</summary>
    /// <param name="message">What is wrong.</param>
    public TrackingEventFormatException(string message)
        : base(message, isRetryable: false)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="innerException">The cause.</param>
    public TrackingEventFormatException(string message, Exception innerException)
        : base(message, isRetryable: false, innerException)
    {
    }
}
