using Affiliate.Sdk.DuckDb;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.Lake.Parquet;
using Affiliate.Sdk.Medallion;
using Affiliate.Sdk.Offers;
using Affiliate.Sdk.Pipeline;
using Affiliate.Sdk.Testing;

namespace Affiliate.Sdk.DuckDb.Tests;

/// <summary>A lake and engine state in a fresh temp directory, deleted on dispose.</summary>
public sealed class Workspace : IDisposable
{
    private int _flushes;

    public Workspace()
    {
        Directory.CreateDirectory(Root);
        Options = new DuckDbMedallionOptions
        {
            LakeRoot = Path.Combine(Root, "lake"),
            StateDirectory = Path.Combine(Root, "state"),
            Threads = 1,
        };
    }

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "affiliate-duckdb-tests", Guid.NewGuid().ToString("N"));

    public DuckDbMedallionOptions Options { get; }

    public DuckDbReportClient CreateReportClient() => new(Microsoft.Extensions.Options.Options.Create(Options));

    public DuckDbMedallionEngine CreateEngine(IOfferCatalog catalog, MedallionOptions medallion) =>
        new(Microsoft.Extensions.Options.Options.Create(Options), Microsoft.Extensions.Options.Options.Create(medallion), catalog);

    /// <summary>Writes events to bronze through the real lake writer: one flush, one file per partition.</summary>
    public Task WriteBronzeAsync(IEnumerable<TrackingEvent> events) =>
        BronzeFiles.WriteAsync(new LocalDiskBlobStore(Options.LakeRoot), events, NextFlushTime(), CancellationToken.None);

    private DateTimeOffset NextFlushTime() => new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(Interlocked.Increment(ref _flushes));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
