using System.Diagnostics.CodeAnalysis;

// RS0026 guards against adding a second overload with optional parameters after a release, where a call could bind
// differently. These two constructors predate the first release and differ in their first required parameter
// (S3LakeOptions vs IAmazonS3), so no call can match both.
[assembly: SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters",
    Scope = "member",
    Target = "~M:Affiliate.Sdk.S3.S3BlobStore.#ctor(Affiliate.Sdk.S3.S3LakeOptions,Microsoft.Extensions.Logging.ILogger{Affiliate.Sdk.S3.S3BlobStore},System.Diagnostics.Metrics.IMeterFactory,System.TimeProvider)",
    Justification = "Overloads distinguished by their first required parameter; both unshipped.")]
[assembly: SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters",
    Scope = "member",
    Target = "~M:Affiliate.Sdk.S3.S3BlobStore.#ctor(Amazon.S3.IAmazonS3,Affiliate.Sdk.S3.S3LakeOptions,Microsoft.Extensions.Logging.ILogger{Affiliate.Sdk.S3.S3BlobStore},System.Diagnostics.Metrics.IMeterFactory,System.TimeProvider)",
    Justification = "Overloads distinguished by their first required parameter; both unshipped.")]
