using System.Text;
using Amazon.Runtime;
using Amazon.S3;

namespace Affiliate.Sdk.S3.Tests;

[Collection(S3ServerGroup.Name)]
public sealed class ClientConfigurationTests(S3rverFixture s3)
{
    [Fact]
    public void The_client_uses_the_configured_endpoint_path_style_and_standard_retries()
    {
        using var client = S3BlobStore.CreateClient(new S3LakeOptions
        {
            Bucket = "bucket",
            ServiceUrl = "http://127.0.0.1:9000",
            ForcePathStyle = true,
            MaxRetries = 7,
            RequestTimeout = TimeSpan.FromSeconds(12),
            AccessKey = "id",
            SecretKey = "secret",
        });

        var config = (AmazonS3Config)client.Config;
        Assert.Equal("http://127.0.0.1:9000/", config.ServiceURL);
        Assert.True(config.ForcePathStyle);
        Assert.Equal(RequestRetryMode.Standard, config.RetryMode);
        Assert.Equal(7, config.MaxErrorRetry);
        Assert.Equal(TimeSpan.FromSeconds(12), config.Timeout);
    }

    [Fact]
    public void A_region_without_an_endpoint_selects_the_aws_region()
    {
        using var client = S3BlobStore.CreateClient(new S3LakeOptions { Bucket = "bucket", Region = "eu-central-1", AccessKey = "id", SecretKey = "secret" });

        Assert.Equal("eu-central-1", client.Config.RegionEndpoint?.SystemName);
    }

    [S3Fact]
    public async Task A_transient_503_is_retried_with_backoff_and_the_upload_succeeds()
    {
        using var store = new S3BlobStore(s3.Options());
        await using (var upload = await store.StartUploadAsync("fail-once-503/a.bin", default))
        {
            await upload.Content.WriteAsync(Encoding.UTF8.GetBytes("survived"));
            await upload.CommitAsync(default);
        }

        await using var read = await store.OpenReadAsync("fail-once-503/a.bin", default);
        Assert.Equal("survived", await new StreamReader(read!).ReadToEndAsync());
    }

    [S3Fact]
    public async Task Without_retries_a_transient_503_surfaces_as_a_retryable_error_naming_the_object()
    {
        var options = s3.Options();
        options.MaxRetries = 0;
        using var store = new S3BlobStore(options);
        await using var upload = await store.StartUploadAsync("fail-once-503/b.bin", default);
        await upload.Content.WriteAsync(new byte[3]);

        var ex = await Assert.ThrowsAsync<S3BlobStoreException>(async () => await upload.CommitAsync(default));

        Assert.True(ex.IsRetryable);
        Assert.Equal(options.NormalizedPrefix + "fail-once-503/b.bin", ex.Key);
        Assert.Contains(S3rverFixture.Bucket, ex.Message, StringComparison.Ordinal);
    }

    [S3Fact]
    public async Task Without_explicit_keys_the_sdk_default_credential_chain_is_used()
    {
        var options = s3.Options();
        options.AccessKey = null;
        options.SecretKey = null;
        var saved = (Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID"), Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY"));
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", S3rverFixture.AccessKey);
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", S3rverFixture.SecretKey);
        try
        {
            using var store = new S3BlobStore(options);
            await using var upload = await store.StartUploadAsync("env-credentials.txt", default);
            await upload.Content.WriteAsync(new byte[] { 1 });
            await upload.CommitAsync(default);

            Assert.Equal([options.NormalizedPrefix + "env-credentials.txt"], await s3.ObjectKeys(options.NormalizedPrefix));
        }
        finally
        {
            Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", saved.Item1);
            Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", saved.Item2);
        }
    }
}
