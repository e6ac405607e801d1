using System.Diagnostics;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace Affiliate.Sdk.S3.Tests;

/// <summary>
/// Runs the s3rver test server (tests/servers/s3rver, installed with <c>npm ci --prefix tests/servers/s3rver</c>) on a
/// loopback port for the whole collection, with one bucket, and stops it after. Under <c>CI=true</c> a missing server
/// fails the tests; elsewhere <see cref="S3FactAttribute"/> skips them with the reason.
/// </summary>
public sealed class S3rverFixture : IAsyncLifetime
{
    public const string Bucket = "affiliate-lake";
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";

    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(60);
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "affiliate-s3-tests", Guid.NewGuid().ToString("N"));
    private Process? _process;

    public string ServiceUrl { get; private set; } = "";

    public AmazonS3Client Client { get; private set; } = null!;

    /// <summary>Options of a store on the test bucket, under a fresh prefix so tests never see each other's objects.</summary>
    public S3LakeOptions Options(string? prefix = null) => new()
    {
        Bucket = Bucket,
        Prefix = prefix ?? $"t/{Guid.NewGuid():N}",
        ServiceUrl = ServiceUrl,
        ForcePathStyle = true,
        AccessKey = AccessKey,
        SecretKey = SecretKey,
        MaxRetries = 1,
        ChecksumsOnlyWhenRequired = true, // s3rver stores aws-chunked bodies verbatim and knows no CRC headers
        UseChunkEncoding = false,
    };

    public async Task InitializeAsync()
    {
        var missing = S3rverInstall.MissingReason();
        if (missing is not null)
        {
            if (S3rverInstall.IsCi)
            {
                throw new InvalidOperationException($"CI=true but the S3 test server cannot start: {missing}");
            }

            return; // S3FactAttribute skips every test with this reason.
        }

        Directory.CreateDirectory(_dataDirectory);
        var start = new ProcessStartInfo(S3rverInstall.Node!)
        {
            WorkingDirectory = S3rverInstall.ServerDirectory!,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--openssl-legacy-provider", "server.js", "--directory", _dataDirectory, "--address", "127.0.0.1", "--port", "0", "--bucket", Bucket })
        {
            start.ArgumentList.Add(arg);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node for the S3 test server.");
        using var deadline = new CancellationTokenSource(StartDeadline);
        string? line;
        try
        {
            line = await _process.StandardOutput.ReadLineAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            line = null;
        }

        if (line is null)
        {
            var error = _process.HasExited ? await _process.StandardError.ReadToEndAsync() : "no answer within " + StartDeadline;
            throw new InvalidOperationException($"The S3 test server (tests/servers/s3rver/server.js) did not start: {error}");
        }

        var port = JsonDocument.Parse(line).RootElement.GetProperty("port").GetInt32();
        ServiceUrl = $"http://127.0.0.1:{port}";
        Client = new AmazonS3Client(
            new BasicAWSCredentials(AccessKey, SecretKey),
            new AmazonS3Config { ServiceURL = ServiceUrl, ForcePathStyle = true, AuthenticationRegion = "us-east-1", MaxErrorRetry = 1 });

        // Ready means answering S3 requests for the bucket, not only listening.
        await Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Bucket, MaxKeys = 1 }, deadline.Token);
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (_process is { } process)
        {
            try
            {
                process.StandardInput.Close(); // The server exits when its stdin closes.
                using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
            {
                process.Kill(entireProcessTree: true);
            }

            process.Dispose();
        }

        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Multipart uploads still pending under a key prefix (what a lifecycle rule would have to clean up).</summary>
    public async Task<List<string>> PendingUploads(string prefix)
    {
        var response = await Client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = Bucket, Prefix = prefix });
        return (response.MultipartUploads ?? []).Select(u => u.Key).ToList();
    }

    /// <summary>Keys of the bucket under a prefix, straight from S3.</summary>
    public async Task<List<string>> ObjectKeys(string prefix)
    {
        var response = await Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Bucket, Prefix = prefix });
        return (response.S3Objects ?? []).Select(o => o.Key).ToList();
    }
}

/// <summary>Where the test server is installed, and why it cannot run when it cannot.</summary>
internal static class S3rverInstall
{
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static string? ServerDirectory { get; } = FindServerDirectory();

    public static string? Node { get; } = FindOnPath(OperatingSystem.IsWindows() ? "node.exe" : "node");

    public static string? MissingReason()
    {
        if (ServerDirectory is null)
        {
            return "tests/servers/s3rver was not found above the test assembly.";
        }

        if (Node is null)
        {
            return "node is not on PATH.";
        }

        return File.Exists(Path.Combine(ServerDirectory, "node_modules", "s3rver", "package.json"))
            ? null
            : "s3rver is not installed: run `npm ci --prefix tests/servers/s3rver`.";
    }

    private static string? FindServerDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "servers", "s3rver");
            if (File.Exists(Path.Combine(candidate, "server.js")))
            {
                return candidate;
            }
        }

        return null;
    }

    private static string? FindOnPath(string file) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, file))
            .FirstOrDefault(File.Exists);
}

/// <summary>A test that needs the S3 test server: skipped with the reason when it is not installed, except under CI=true.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class S3FactAttribute : FactAttribute
{
    public S3FactAttribute()
    {
        if (!S3rverInstall.IsCi && S3rverInstall.MissingReason() is { } reason)
        {
            Skip = "S3 test server unavailable: " + reason;
        }
    }
}

[CollectionDefinition(Name)]
public sealed class S3ServerGroup : ICollectionFixture<S3rverFixture>
{
    public const string Name = "s3rver";
}

/// <summary>A property that needs the S3 test server; skipped like <see cref="S3FactAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class S3PropertyAttribute : FsCheck.Xunit.PropertyAttribute
{
    public S3PropertyAttribute()
    {
        if (!S3rverInstall.IsCi && S3rverInstall.MissingReason() is { } reason)
        {
            Skip = "S3 test server unavailable: " + reason;
        }
    }
}
