using System.Diagnostics.Metrics;

namespace Affiliate.Sdk.S3;

/// <summary>The store's instruments on the <c>Affiliate.Sdk.S3</c> meter.</summary>
internal sealed class S3Metrics
{
    private readonly Counter<long> _requests;
    private readonly Counter<long> _committedBytes;
    private readonly Counter<long> _parts;
    private readonly Counter<long> _aborts;

    public S3Metrics(Meter meter)
    {
        _requests = meter.CreateCounter<long>("affiliate.sdk.s3.requests", "{request}", "S3 requests of the lake store, by operation and outcome (ok, not_found, cancelled, error), after the SDK's retries.");
        _committedBytes = meter.CreateCounter<long>("affiliate.sdk.s3.committed.bytes", "By", "Bytes of objects committed to S3.");
        _parts = meter.CreateCounter<long>("affiliate.sdk.s3.parts", "{part}", "Multipart parts uploaded.");
        _aborts = meter.CreateCounter<long>("affiliate.sdk.s3.aborts", "{upload}", "Multipart uploads aborted (failed, cancelled or disposed without commit).");
    }

    public void Request(string operation, string outcome) =>
        _requests.Add(1, new KeyValuePair<string, object?>("operation", operation), new KeyValuePair<string, object?>("outcome", outcome));

    public void Committed(long bytes, int parts) => _committedBytes.Add(bytes, new KeyValuePair<string, object?>("multipart", parts > 0));

    public void PartUploaded() => _parts.Add(1);

    public void Aborted() => _aborts.Add(1);
}
