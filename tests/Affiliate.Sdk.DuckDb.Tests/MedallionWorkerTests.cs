using System.Diagnostics.Metrics;
using Affiliate.Sdk.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.DuckDb.Tests;

public sealed class MedallionWorkerTests
{
    /// <summary>An engine whose first runs fail, then succeed.</summary>
    private sealed class FlakyEngine(int failures) : IMedallionEngine
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public ValueTask<MedallionRunResult> RunAsync(CancellationToken cancellationToken)
        {
            var call = Interlocked.Increment(ref _calls);
            if (call <= failures)
            {
                throw new IOException("bronze file vanished");
            }

            return ValueTask.FromResult(new MedallionRunResult(1, 2, DateTimeOffset.UtcNow.AddSeconds(-30), TimeSpan.FromMilliseconds(1)));
        }
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached before the deadline");
            await Task.Delay(5);
        }
    }

    [Fact]
    public async Task The_worker_keeps_running_after_failed_runs_and_reports_metrics()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterFactory = services.GetRequiredService<IMeterFactory>();
        using var runs = new MetricCollector<long>(meterFactory, "Affiliate.Sdk", "affiliate.sdk.medallion.runs");
        using var lag = new MetricCollector<double>(meterFactory, "Affiliate.Sdk", "affiliate.sdk.medallion.freshness_lag");
        var engine = new FlakyEngine(failures: 2);
        var options = Options.Create(new MedallionWorkerOptions { Interval = TimeSpan.FromMilliseconds(1), MaxBackoff = TimeSpan.FromMilliseconds(4) });
        using var worker = new MedallionWorker(engine, options, NullLogger<MedallionWorker>.Instance, meterFactory, TimeProvider.System);

        await worker.StartAsync(CancellationToken.None);
        await WaitUntil(() => engine.Calls >= 4);
        await worker.StopAsync(CancellationToken.None);

        var outcomes = runs.GetMeasurementSnapshot().Select(m => (string?)m.Tags["outcome"]).ToList();
        Assert.Equal(["failure", "failure", "success"], outcomes.Take(3));
        lag.RecordObservableInstruments();
        Assert.True(lag.LastMeasurement!.Value >= 30, $"freshness lag {lag.LastMeasurement.Value}");
    }
}
