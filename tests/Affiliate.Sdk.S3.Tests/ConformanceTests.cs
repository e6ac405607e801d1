using Affiliate.Sdk.Pipeline;
using Affiliate.Sdk.Testing;

namespace Affiliate.Sdk.S3.Tests;

/// <summary>
/// The S3 store passes the blob store conformance suite on s3rver, each test under a fresh prefix. A page of seven keys
/// makes the listing test cross many ListObjectsV2 pages with few objects.
/// </summary>
[Collection(S3ServerGroup.Name)]
[RequiresS3rver]
public sealed class S3BlobStoreConformanceTests(S3rverFixture s3) : BlobStoreConformanceTests
{
    protected override int ListingKeyCount => 60;

    protected override int RoundTripCases => 15;

    // s3rver walks its folder tree to list, so "events-b/…" comes after "events/…" (S3 itself lists by key bytes).
    protected override bool ListsKeysExtendingAFolderName => false;

    protected override ValueTask<IBlobStore> CreateStoreAsync(CancellationToken cancellationToken)
    {
        var options = s3.Options();
        options.ListPageSize = 7;
        return ValueTask.FromResult<IBlobStore>(new S3BlobStore(options));
    }
}

/// <summary>Skips the conformance suite, with the reason, where s3rver cannot run (never under CI=true).</summary>
public sealed class RequiresS3rverAttribute : ConformanceSkipAttribute
{
    public override string? Reason =>
        !S3rverInstall.IsCi && S3rverInstall.MissingReason() is { } reason ? "S3 test server unavailable: " + reason : null;
}
