using Affiliate.Sdk.DependencyInjection;
using Affiliate.Sdk.Pipeline;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.Kafka.Tests;

public sealed class RegistrationTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "affiliate-sdk-kafka-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void Settings_bind_from_configuration_including_raw_librdkafka_properties()
    {
        using var provider = Build(new Dictionary<string, string?>
        {
            ["AffiliateSdk:Kafka:BootstrapServers"] = "b-1.example:9096,b-2.example:9096",
            ["AffiliateSdk:Kafka:Topic"] = "tracking",
            ["AffiliateSdk:Kafka:GroupId"] = "bronze",
            ["AffiliateSdk:Kafka:Compression"] = "Zstd",
            ["AffiliateSdk:Kafka:Linger"] = "00:00:00.020",
            ["AffiliateSdk:Kafka:Common:security.protocol"] = "SASL_SSL",
            ["AffiliateSdk:Kafka:Common:sasl.mechanism"] = "SCRAM-SHA-512",
            ["AffiliateSdk:Kafka:Common:sasl.username"] = "svc",
            ["AffiliateSdk:Kafka:Common:sasl.password"] = "secret",
            ["AffiliateSdk:Kafka:Producer:client.id"] = "capture-1",
            ["AffiliateSdk:Kafka:Consumer:fetch.max.bytes"] = "10485760",
        });

        var options = provider.GetRequiredService<IOptions<KafkaOptions>>().Value;
        Assert.Equal("tracking", options.Topic);
        Assert.Equal(KafkaCompression.Zstd, options.Compression);

        var producer = KafkaClientConfig.ForProducer(options);
        Assert.Equal("b-1.example:9096,b-2.example:9096", producer.BootstrapServers);
        Assert.Equal("SASL_SSL", producer.Get("security.protocol"));
        Assert.Equal("SCRAM-SHA-512", producer.Get("sasl.mechanism"));
        Assert.Equal("capture-1", producer.ClientId);
        Assert.Equal(20, producer.LingerMs);
        Assert.Equal(CompressionType.Zstd, producer.CompressionType);
        Assert.True(producer.EnableIdempotence);
        Assert.Equal(Acks.All, producer.Acks);

        var consumer = KafkaClientConfig.ForConsumer(options);
        Assert.Equal("bronze", consumer.GroupId);
        Assert.Equal("svc", consumer.SaslUsername);
        Assert.Equal(10485760, consumer.FetchMaxBytes);
        Assert.False(consumer.EnableAutoCommit);
        Assert.Equal(PartitionAssignmentStrategy.CooperativeSticky, consumer.PartitionAssignmentStrategy);
        Assert.Equal("affiliate-sdk", consumer.ClientId);
    }

    [Fact]
    public async Task AddKafka_replaces_the_local_log_publisher_and_source_and_keeps_the_log_as_spool()
    {
        await using var provider = Build(new Dictionary<string, string?> { ["AffiliateSdk:Kafka:BootstrapServers"] = "127.0.0.1:1" });
        Assert.IsType<KafkaEventSource>(provider.GetRequiredService<IEventSource>());
        Assert.IsType<Affiliate.Sdk.LocalLog.SpoolingEventPublisher>(provider.GetRequiredService<IEventPublisher>());
        Assert.Single(provider.GetServices<IEventSource>());
        Assert.Single(provider.GetServices<IEventPublisher>());
    }

    [Fact]
    public void Invalid_settings_fail_at_start_naming_the_setting()
    {
        using var provider = Build(new Dictionary<string, string?>
        {
            ["AffiliateSdk:Kafka:Topic"] = "bad topic",
            ["AffiliateSdk:Kafka:Producer:acks"] = "1",
            ["AffiliateSdk:Kafka:Producer:enable.idempotence"] = "false",
            ["AffiliateSdk:Kafka:Consumer:enable.auto.commit"] = "true",
            ["AffiliateSdk:Kafka:Consumer:partition.assignment.strategy"] = "range",
            ["AffiliateSdk:Kafka:Common:bootstrap.servers"] = "x:1",
            ["AffiliateSdk:Kafka:DeliveryTimeout"] = "00:00:00.100",
        });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<KafkaOptions>>().Value);
        var message = string.Join("\n", error.Failures);
        Assert.Contains("AffiliateSdk:Kafka:BootstrapServers", message, StringComparison.Ordinal);
        Assert.Contains("AffiliateSdk:Kafka:Topic", message, StringComparison.Ordinal);
        Assert.Contains("AffiliateSdk:Kafka:Producer:acks", message, StringComparison.Ordinal);
        Assert.Contains("AffiliateSdk:Kafka:Producer:enable.idempotence", message, StringComparison.Ordinal);
        Assert.Contains("AffiliateSdk:Kafka:Consumer:enable.auto.commit", message, StringComparison.Ordinal);
        Assert.Contains("AffiliateSdk:Kafka:Consumer:partition.assignment.strategy", message, StringComparison.Ordinal);
        Assert.Contains("AffiliateSdk:Kafka:Common:bootstrap.servers", message, StringComparison.Ordinal);
        Assert.Contains("AffiliateSdk:Kafka:DeliveryTimeout", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Code_configuration_applies_after_binding()
    {
        using var provider = Build(
            new Dictionary<string, string?> { ["AffiliateSdk:Kafka:BootstrapServers"] = "a:1" },
            o => o.Topic = "from-code");
        var options = provider.GetRequiredService<IOptions<KafkaOptions>>().Value;
        Assert.Equal("a:1", options.BootstrapServers);
        Assert.Equal("from-code", options.Topic);
    }

    [Fact]
    public async Task An_unknown_librdkafka_property_is_reported_with_its_section()
    {
        var options = new KafkaOptions { BootstrapServers = "127.0.0.1:1" };
        options.Producer["no.such.property"] = "1";
        await using var publisher = new KafkaEventPublisher(options);
        var error = await Assert.ThrowsAsync<AffiliateSdkException>(async () => await publisher.PublishAsync(TestEvents.Click(1), default));
        Assert.Contains("AffiliateSdk:Kafka", error.Message, StringComparison.Ordinal);
        Assert.Contains("no.such.property", error.Message, StringComparison.Ordinal);
        Assert.False(error.IsRetryable);
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private ServiceProvider Build(Dictionary<string, string?> settings, Action<KafkaOptions>? configure = null)
    {
        settings["AffiliateSdk:LocalLog:Directory"] = _directory;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddAffiliateSdk().AddKafka(configure);
        return services.BuildServiceProvider();
    }
}
