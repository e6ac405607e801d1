using Affiliate.Sdk.DependencyInjection;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.LocalLog;
using Affiliate.Sdk.Pipeline;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.Tests.LocalLog;

public sealed class LocalLogRegistrationTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings, Action<IServiceCollection>? before = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        before?.Invoke(services);
        services.AddAffiliateSdk();
        return services.BuildServiceProvider();
    }

    private static string LocalLogValidationMessage(ServiceProvider sp) =>
        Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IOptions<LocalLogOptions>>().Value).Message;

    [Fact]
    public async Task The_local_log_is_the_default_stream_bound_from_configuration()
    {
        using var dir = new TempLogDirectory();
        await using var sp = Build(new()
        {
            ["AffiliateSdk:LocalLog:Directory"] = dir.Path,
            ["AffiliateSdk:LocalLog:SegmentBytes"] = "8192",
            ["AffiliateSdk:LocalLog:Consumers:0"] = "audit",
        });

        var publisher = sp.GetRequiredService<IEventPublisher>();
        var source = sp.GetRequiredService<IEventSource>();
        var log = sp.GetRequiredService<DurableLog>();

        Assert.IsType<LocalLogEventPublisher>(publisher);
        Assert.Equal("lake", Assert.IsType<LocalLogEventSource>(source).Consumer);
        Assert.Equal(dir.Path, log.Directory);
        Assert.Equal(["audit", "lake"], log.CommittedOffsets().Keys.Order(StringComparer.Ordinal));

        await publisher.PublishAsync(PublisherSourceTests.Event(1), CancellationToken.None);
        var batch = await source.ReadAsync(10, TimeSpan.FromSeconds(10), CancellationToken.None);
        Assert.Single(batch.Records);
    }

    [Fact]
    public async Task Disposing_the_container_closes_the_log()
    {
        using var dir = new TempLogDirectory();
        DurableLog log;
        await using (var sp = Build(new() { ["AffiliateSdk:LocalLog:Directory"] = dir.Path }))
        {
            log = sp.GetRequiredService<DurableLog>();
            Assert.Same(log, sp.GetRequiredService<DurableLog>());
        }

        Assert.True(log.IsClosed);
    }

    [Fact]
    public void Adapter_packages_registered_first_replace_the_local_log()
    {
        using var sp = Build([], services => services.AddSingleton<IEventPublisher, NoPublisher>());

        Assert.IsType<NoPublisher>(sp.GetRequiredService<IEventPublisher>());
    }

    [Fact]
    public void Bad_settings_fail_at_start_naming_the_setting()
    {
        using var sp = Build(new()
        {
            ["AffiliateSdk:LocalLog:Directory"] = " ",
            ["AffiliateSdk:LocalLog:SegmentBytes"] = "10",
            ["AffiliateSdk:LocalLog:MaxBatchBytes"] = "0",
            ["AffiliateSdk:LocalLog:MaxRecordBytes"] = "0",
            ["AffiliateSdk:LocalLog:SyncsInFlight"] = "0",
            ["AffiliateSdk:LocalLog:Consumers:0"] = "../etc",
        });

        var message = LocalLogValidationMessage(sp);

        Assert.Contains("AffiliateSdk:LocalLog:Directory", message, StringComparison.Ordinal);
        Assert.Contains("AffiliateSdk:LocalLog:SegmentBytes", message, StringComparison.Ordinal);
        Assert.Contains("AffiliateSdk:LocalLog:MaxBatchBytes", message, StringComparison.Ordinal);
        Assert.Contains("AffiliateSdk:LocalLog:MaxRecordBytes", message, StringComparison.Ordinal);
        Assert.Contains("AffiliateSdk:LocalLog:SyncsInFlight", message, StringComparison.Ordinal);
        Assert.Contains("AffiliateSdk:LocalLog:Consumers:0", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Default_options_are_valid()
    {
        var result = new LocalLogOptionsValidator().Validate(null, new LocalLogOptions());

        Assert.True(result.Succeeded, result.FailureMessage);
        Assert.Equal("data/log", new LocalLogOptions().Directory);
        Assert.True(new LocalLogOptions().Fsync);
    }

    private sealed class NoPublisher : IEventPublisher
    {
        public ValueTask PublishAsync(TrackingEvent trackingEvent, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask PublishBatchAsync(IReadOnlyList<TrackingEvent> events, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
