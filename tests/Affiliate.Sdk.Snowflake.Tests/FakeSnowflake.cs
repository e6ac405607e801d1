using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.Snowflake.Tests;

/// <summary>A request the fake SQL API received.</summary>
public sealed record RecordedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Query, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    public string? QueryValue(string name) => Query.TryGetValue(name, out var v) ? v : null;

    public bool IsSubmit => Method == "POST" && Path == "/api/v2/statements";
}

/// <summary>An answer of the fake SQL API.</summary>
public sealed record FakeResponse(int Status, string? Body = null, IReadOnlyDictionary<string, string>? Headers = null, bool Gzip = false);

/// <summary>
/// A loopback HTTP server (Kestrel on a free port) standing in for the Snowflake SQL API: each test sets <see cref="Handler"/>
/// to answer with the documented response shapes, and reads back what the client sent.
/// </summary>
public sealed class FakeSnowflake : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeSnowflake(WebApplication app, Uri baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    public Uri BaseUrl { get; }

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public Func<RecordedRequest, FakeResponse> Handler { get; set; } = _ => new FakeResponse(500);

    public static async Task<FakeSnowflake> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Urls.Add("http://127.0.0.1:0");
        FakeSnowflake? fake = null;
        app.Run(async context => await fake!.AnswerAsync(context));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        fake = new FakeSnowflake(app, new Uri(address));
        return fake;
    }

    public SnowflakeSqlApiClient Client(Action<SnowflakeOptions>? configure = null, System.Diagnostics.Metrics.IMeterFactory? meterFactory = null, TimeProvider? time = null)
    {
        var options = TestKeys.Options(BaseUrl);
        configure?.Invoke(options);
        return new SnowflakeSqlApiClient(new HttpClient(), Options.Create(options), null, meterFactory, time);
    }

    private async Task AnswerAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        var request = new RecordedRequest(
            context.Request.Method,
            context.Request.Path.Value ?? string.Empty,
            context.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString()),
            context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            body);
        Requests.Enqueue(request);
        var response = Handler(request);
        context.Response.StatusCode = response.Status;
        foreach (var (name, value) in response.Headers ?? new Dictionary<string, string>())
        {
            context.Response.Headers[name] = value;
        }

        if (response.Body is not null)
        {
            context.Response.ContentType = "application/json";
            var bytes = Encoding.UTF8.GetBytes(response.Body);
            if (response.Gzip)
            {
                using var compressed = new MemoryStream();
                using (var gzip = new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
                {
                    gzip.Write(bytes);
                }

                bytes = compressed.ToArray();
                context.Response.Headers.ContentEncoding = "gzip";
            }

            await context.Response.Body.WriteAsync(bytes);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>Response bodies in the shapes the SQL API documents.</summary>
public static class Shapes
{
    public const string Handle = "01b2c3d4-0000-1111-0000-000123456789";

    public static string Column(string name, string type, int? precision = null, int? scale = null, bool nullable = true) =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["name"] = name, ["database"] = "DB", ["schema"] = "PUBLIC", ["table"] = "T", ["type"] = type,
            ["precision"] = precision, ["scale"] = scale, ["length"] = null, ["byteLength"] = null, ["nullable"] = nullable, ["collation"] = null,
        });

    public static string ResultSet(string[] columns, string?[][] rows, int partitions = 1, long? numRows = null, string handle = Handle)
    {
        var partitionInfo = string.Join(",", Enumerable.Range(0, partitions).Select(_ => """{"rowCount":2,"uncompressedSize":120}"""));
        return $$"""
            {
              "resultSetMetaData": {
                "numRows": {{numRows ?? rows.Length}},
                "format": "jsonv2",
                "partitionInfo": [{{partitionInfo}}],
                "rowType": [{{string.Join(",", columns)}}]
              },
              "data": {{Data(rows)}},
              "code": "090001",
              "statementStatusUrl": "/api/v2/statements/{{handle}}?requestId=x",
              "requestId": "x",
              "sqlState": "00000",
              "statementHandle": "{{handle}}",
              "message": "Statement executed successfully.",
              "createdOn": 1620151693299
            }
            """;
    }

    public static string Data(string?[][] rows) => JsonSerializer.Serialize(rows);

    public static string Partition(string?[][] rows) => $$"""{"data": {{Data(rows)}}}""";

    public static string Running(string handle = Handle) => $$"""
        {
          "code": "333334",
          "message": "Asynchronous execution in progress. Use provided query id to perform query monitoring and management.",
          "statementHandle": "{{handle}}",
          "statementStatusUrl": "/api/v2/statements/{{handle}}"
        }
        """;

    public static string Error(string code, string sqlState, string message, string handle = Handle) => $$"""
        {
          "code": "{{code}}",
          "sqlState": "{{sqlState}}",
          "message": {{JsonSerializer.Serialize(message)}},
          "statementHandle": "{{handle}}",
          "statementStatusUrl": "/api/v2/statements/{{handle}}"
        }
        """;

    public static string Cancelled(string handle = Handle) => $$"""
        {"code": "000604", "sqlState": "57014", "message": "SQL execution canceled", "statementHandle": "{{handle}}", "statementStatusUrl": "/api/v2/statements/{{handle}}"}
        """;
}
