namespace Affiliate.Sdk.LocalLog;

/// <summary>
/// The local log found damaged data where only intact data may be (inside a sealed segment, in the durable part of
/// the active one, or in an offsets file). Nothing is skipped: restore the file or move it away deliberately.
/// </summary>
public sealed class LocalLogCorruptedException : AffiliateSdkException
{
    /// <summary>Creates the exception.</summary>
    public LocalLogCorruptedException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What is damaged.</param>
    public LocalLogCorruptedException(string message)
        : base(message, isRetryable: false)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">What is damaged.</param>
    /// <param name="innerException">The cause.</param>
    public LocalLogCorruptedException(string message, Exception innerException)
        : base(message, isRetryable: false, innerException)
    {
    }

    /// <summary>Creates the exception for a damaged place in a file.</summary>
    /// <param name="message">What is damaged.</param>
    /// <param name="filePath">The damaged file.</param>
    /// <param name="filePosition">The byte position of the damage in the file.</param>
    public LocalLogCorruptedException(string message, string filePath, long filePosition)
        : base(message, isRetryable: false)
    {
        FilePath = filePath;
        FilePosition = filePosition;
    }

    /// <summary>The damaged file, when known.</summary>
    public string? FilePath { get; }

    /// <summary>The byte position of the damage in <see cref="FilePath"/>, when known.</summary>
    public long? FilePosition { get; }
}
