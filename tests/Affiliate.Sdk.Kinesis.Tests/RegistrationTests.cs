using Affiliate.Sdk.DependencyInjection;
using Affiliate.Sdk.LocalLog;
using Affiliate.Sdk.Pipeline;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.Kinesis.Tests;

public sealed class RegistrationTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private ServiceProvider Build(Dictionary<string, string?> settings)
    {
        settings["AffiliateSdk:LocalLog:Directory"] = Path.Combine(_dir.Path, "log");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddAffiliateSdk().AddKinesis();
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task Kinesis_replaces_the_local_log_publisher_and_source_and_the_spool_fronts_the_publisher()
    {
        await using var provider = Build(new()
        {
            ["AffiliateSdk:Kinesis:StreamName"] = "clicks",
            ["AffiliateSdk:Kinesis:Region"] = "eu-west-1",
            ["AffiliateSdk:Kinesis:CheckpointDirectory"] = Path.Combine(_dir.Path, "kinesis"),
        });

        Assert.IsType<SpoolingEventPublisher>(provider.GetRequiredService<IEventPublisher>());
        var source = provider.GetRequiredService<IEventSource>();
        Assert.Equal("kinesis:clicks", source.Name);
        Assert.IsType<FileKinesisCheckpointStore>(provider.GetRequiredService<IKinesisCheckpointStore>());
        Assert.Equal("eu-west-1", provider.GetRequiredService<IOptions<KinesisOptions>>().Value.Region);
    }

    [Theory]
    [InlineData("StreamName", "bad name!", "AffiliateSdk:Kinesis:StreamName")]
    [InlineData("AggregationMaxBytes", "2000000", "AffiliateSdk:Kinesis:AggregationMaxBytes")]
    [InlineData("MaxRecordsPerCall", "501", "AffiliateSdk:Kinesis:MaxRecordsPerCall")]
    [InlineData("AccessKeyId", "AKID", "AffiliateSdk:Kinesis:SecretAccessKey")]
    [InlineData("ServiceUrl", "ftp://example", "AffiliateSdk:Kinesis:ServiceUrl")]
    public void Invalid_settings_fail_at_start_naming_the_setting(string key, string value, string named)
    {
        var settings = new Dictionary<string, string?>
        {
            ["AffiliateSdk:Kinesis:StreamName"] = "clicks",
            ["AffiliateSdk:Kinesis:Region"] = "eu-west-1",
            ["AffiliateSdk:Kinesis:" + key] = value,
        };
        using var provider = Build(settings);

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<KinesisOptions>>().Value);
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Default_options_are_valid_once_the_stream_and_region_are_set()
    {
        var result = new KinesisOptionsValidator().Validate(null, new KinesisOptions { StreamName = "s", Region = "us-east-1" });

        Assert.True(result.Succeeded, result.FailureMessage);
    }
}
