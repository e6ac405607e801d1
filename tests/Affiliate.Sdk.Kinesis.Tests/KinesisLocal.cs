using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Affiliate.Sdk.Kinesis.Tests;

/// <summary>
/// Starts the kinesis-local emulator (npm package kinesis-local, installed with
/// <c>npm ci --prefix tests/servers/kinesis-local</c>) on free loopback ports for the collection, and stops it after.
/// When it cannot start, tests fail under <c>CI=true</c> and are skipped (reason printed) elsewhere.
/// </summary>
public sealed class KinesisLocal : IAsyncLifetime
{
    private readonly StringBuilder _output = new();
    private Process? _process;
    private int _streams;

    public Uri? Endpoint { get; private set; }

    public string? Unavailable { get; private set; }

    public async Task InitializeAsync()
    {
        var root = FindRepositoryRoot();
        var package = root is null ? null : Path.Combine(root, "tests", "servers", "kinesis-local", "node_modules", "kinesis-local");
        if (package is null || !File.Exists(Path.Combine(package, "main.js")))
        {
            Unavailable = "kinesis-local is not installed: run `npm ci --prefix tests/servers/kinesis-local`.";
            return;
        }

        var plain = FreePort();
        var info = new ProcessStartInfo("node", "main.js")
        {
            WorkingDirectory = package,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["KINESIS_MOCK_PLAIN_PORT"] = plain.ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["KINESIS_MOCK_TLS_PORT"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var op in new[] { "CREATE_STREAM", "DELETE_STREAM", "SPLIT_SHARD", "MERGE_SHARDS", "UPDATE_SHARD_COUNT" })
        {
            info.Environment[op + "_DURATION"] = "50ms";
        }

        info.Environment["SHARD_LIMIT"] = "200";
        try
        {
            _process = Process.Start(info) ?? throw new InvalidOperationException("node did not start");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            Unavailable = $"node could not be started ({e.Message}); kinesis-local needs Node.js.";
            return;
        }

        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        Endpoint = new Uri($"http://127.0.0.1:{plain}/");
        using var client = CreateClient("probe");
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await client.CallRawAsync("ListStreams", _ => { }, CancellationToken.None);
                return;
            }
            catch (KinesisException) when (deadline.Elapsed < TimeSpan.FromSeconds(60) && !_process.HasExited)
            {
                await Task.Delay(100);
            }
            catch (KinesisException e)
            {
                Unavailable = $"kinesis-local did not answer within 60 s ({e.Message}). Output: {Tail()}";
                Endpoint = null;
                return;
            }
        }
    }

    public Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process?.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Fails (CI) or skips (elsewhere) the calling test when the emulator is not running.</summary>
    public void RequireRunning()
    {
        if (Unavailable is null)
        {
            return;
        }

        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail("kinesis-local is required under CI=true: " + Unavailable);
        }

        // Tests are normally skipped at discovery (KinesisFact); this covers a server that is installed but failed.
        Assert.Fail("kinesis-local did not start: " + Unavailable);
    }

    public KinesisOptions Options(string stream, Action<KinesisOptions>? configure = null)
    {
        var options = new KinesisOptions
        {
            StreamName = stream,
            Region = "us-east-1",
            ServiceUrl = Endpoint,
            AccessKeyId = "AKIDTESTING",
            SecretAccessKey = "secret-for-kinesis-local",
            Linger = TimeSpan.FromMilliseconds(5),
            ReadInterval = TimeSpan.FromMilliseconds(20),
            RetryBaseDelay = TimeSpan.FromMilliseconds(10),
            RetryMaxDelay = TimeSpan.FromMilliseconds(200),
        };
        configure?.Invoke(options);
        return options;
    }

    internal KinesisHttpClient CreateClient(string stream) => new(Options(stream));

    /// <summary>Creates a stream with a unique name and waits until it is active.</summary>
    public async Task<string> CreateStreamAsync(int shards, string prefix = "s")
    {
        RequireRunning();
        var unique = $"{prefix}-{Interlocked.Increment(ref _streams)}-{Guid.NewGuid():N}";
        var name = unique[..Math.Min(60, unique.Length)];
        using var client = CreateClient(name);
        await client.CallRawAsync("CreateStream", w =>
        {
            w.WriteString("StreamName", name);
            w.WriteNumber("ShardCount", shards);
        }, CancellationToken.None);
        await WaitActiveAsync(client, name);
        return name;
    }

    /// <summary>Splits a shard at the middle of its hash range and waits until the stream is active again.</summary>
    public async Task SplitAsync(string stream, KinesisShard shard)
    {
        var start = UInt128.Parse(shard.StartingHashKey, System.Globalization.CultureInfo.InvariantCulture);
        var end = UInt128.Parse(shard.EndingHashKey, System.Globalization.CultureInfo.InvariantCulture);
        var middle = start + ((end - start) / 2);
        using var client = CreateClient(stream);
        await client.CallRawAsync("SplitShard", w =>
        {
            w.WriteString("StreamName", stream);
            w.WriteString("ShardToSplit", shard.ShardId);
            w.WriteString("NewStartingHashKey", middle.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }, CancellationToken.None);
        await WaitActiveAsync(client, stream);
    }

    private static async Task WaitActiveAsync(KinesisHttpClient client, string name)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            string? status = null;
            await client.CallRawAsync("DescribeStreamSummary", w => w.WriteString("StreamName", name), CancellationToken.None, doc =>
                status = doc.RootElement.GetProperty("StreamDescriptionSummary").GetProperty("StreamStatus").GetString());
            if (status == "ACTIVE")
            {
                return;
            }

            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), $"stream {name} did not become ACTIVE (status {status}).");
            await Task.Delay(20);
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
            if (_output.Length > 20_000)
            {
                _output.Remove(0, _output.Length - 10_000);
            }
        }
    }

    private string Tail()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }

    internal static string? FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Affiliate.Sdk.sln")))
            {
                return dir.FullName;
            }
        }

        return null;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>Why kinesis-local tests cannot run here (not installed, no Node.js), or <see langword="null"/>; never skips under CI=true.</summary>
internal static class KinesisLocalAvailability
{
    public static readonly string? SkipReason = Find();

    private static string? Find()
    {
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        string? reason = null;
        var root = KinesisLocal.FindRepositoryRoot();
        if (root is null || !File.Exists(Path.Combine(root, "tests", "servers", "kinesis-local", "node_modules", "kinesis-local", "main.js")))
        {
            reason = "kinesis-local is not installed: run `npm ci --prefix tests/servers/kinesis-local`.";
        }
        else if (!(Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(d => File.Exists(Path.Combine(d, "node")) || File.Exists(Path.Combine(d, "node.exe"))))
        {
            reason = "Node.js (node) is not on PATH; kinesis-local needs it.";
        }

        if (reason is not null)
        {
            Console.WriteLine("Skipping kinesis-local tests: " + reason);
        }

        return reason;
    }
}

/// <summary>A fact that needs kinesis-local: skipped with the reason when it cannot run (except under CI=true, where it fails).</summary>
public sealed class KinesisFactAttribute : FactAttribute
{
    public KinesisFactAttribute() => Skip = KinesisLocalAvailability.SkipReason;
}

/// <summary>A theory that needs kinesis-local (see <see cref="KinesisFactAttribute"/>).</summary>
public sealed class KinesisTheoryAttribute : TheoryAttribute
{
    public KinesisTheoryAttribute() => Skip = KinesisLocalAvailability.SkipReason;
}

[CollectionDefinition(Name)]
public sealed class KinesisLocalGroup : ICollectionFixture<KinesisLocal>
{
    public const string Name = "kinesis-local";
}
