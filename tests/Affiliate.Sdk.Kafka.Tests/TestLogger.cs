using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Affiliate.Sdk.Kafka.Tests;

/// <summary>Writes log lines to the test's output, so a failing test shows what the clients did.</summary>
internal sealed class TestLogger(ITestOutputHelper output, string name, LogLevel minimum = LogLevel.Debug) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        try
        {
            output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {name} {logLevel}: {formatter(state, exception)}{(exception is null ? string.Empty : " " + exception.Message)}");
        }
        catch (InvalidOperationException)
        {
            // The test has finished; late lines from background threads are dropped.
        }
    }
}
