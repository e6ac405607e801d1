using System.Diagnostics;
using Affiliate.Sdk.Json;
using Affiliate.Sdk.LocalLog;

namespace Affiliate.Sdk.Tests.LocalLog;

/// <summary>A real crash: a child process publishes through the local log and is killed (SIGKILL) mid-stream.</summary>
public sealed class KillTests
{
    [Fact]
    public async Task Every_acknowledged_event_survives_a_kill_9_mid_stream()
    {
        using var dir = new TempLogDirectory();
        for (var round = 0; round < 3; round++)
        {
            var acknowledged = await RunAndKill(dir.Path, minimumAcks: 1500 * (round + 1), run: round);

            await using var log = dir.Open(segmentBytes: 256 * 1024);
            var records = log.ReadAll();
            var clickIds = records.Select(r => TrackingEventSerializer.Deserialize(r.Payload.Span).ClickId!).ToList();

            Assert.Equal(Enumerable.Range(0, records.Count).Select(i => (long)i), records.Select(r => r.Offset));
            Assert.Equal(clickIds.Count, clickIds.Distinct(StringComparer.Ordinal).Count());
            var missing = acknowledged.Except(clickIds, StringComparer.Ordinal).ToList();
            Assert.True(missing.Count == 0, $"round {round}: {missing.Count} acknowledged events are missing, e.g. {string.Join(", ", missing.Take(5))}");
        }
    }

    /// <summary>Starts the crash host, waits until it acknowledged enough events, kills it and returns what it acknowledged.</summary>
    private static async Task<HashSet<string>> RunAndKill(string directory, int minimumAcks, int run)
    {
        var host = Path.Combine(AppContext.BaseDirectory, "Affiliate.Sdk.LocalLog.CrashHost.dll");
        Assert.True(File.Exists(host), $"the crash host should be built beside the tests ({host})");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { host, directory, "32", (256 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture), run.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var acknowledged = new HashSet<string>(StringComparer.Ordinal);
        var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // A dedicated reader thread: it keeps the pipe drained so the child never blocks on its output.
        var reader = new Thread(() =>
        {
            string? previous = null;
            while (process.StandardOutput.ReadLine() is { } line)
            {
                // A line counts once the next one started: the last line before the kill may be cut short.
                if (previous?.StartsWith("ack ", StringComparison.Ordinal) == true)
                {
                    lock (acknowledged)
                    {
                        acknowledged.Add(previous[4..]);
                        if (acknowledged.Count >= minimumAcks)
                        {
                            enough.TrySetResult();
                        }
                    }
                }

                previous = line;
            }

            enough.TrySetResult();
        })
        { IsBackground = true };
        reader.Start();
        try
        {
            await enough.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            // SIGKILL on Unix: no flush, no dispose, no finaliser runs in the child.
            process.Kill(entireProcessTree: true);
        }

        await process.WaitForExitAsync();
        Assert.True(reader.Join(TimeSpan.FromSeconds(30)), "the output of the killed crash host should end");
        Assert.True(acknowledged.Count >= minimumAcks, "the crash host ended early: " + await stderr);
        return acknowledged;
    }
}
