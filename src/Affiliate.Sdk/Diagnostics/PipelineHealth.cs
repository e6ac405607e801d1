using System.Collections.Concurrent;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Affiliate.Sdk.Diagnostics;

/// <summary>
/// The latest state each pipeline component (stream-to-lake worker, medallion worker, adapters) reported. Components
/// report on success and failure; the SDK's health check (<c>affiliate_sdk</c>) turns the states into one answer.
/// Adapter packages resolve it from the container to report their own components.
/// </summary>
/// <param name="time">The clock that stamps reports.</param>
public sealed class PipelineHealth(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, ComponentHealth> _components = new(StringComparer.Ordinal);

    /// <summary>Records a component's state, replacing its previous one.</summary>
    /// <param name="component">A short stable name such as <c>stream_to_lake</c>.</param>
    /// <param name="status">Healthy, degraded (working with a problem) or unhealthy (not working).</param>
    /// <param name="description">What it last did or what is wrong, for operators.</param>
    public void Report(string component, HealthStatus status, string description) =>
        _components[component] = new ComponentHealth(status, description, time.GetUtcNow());

    /// <summary>Every component's latest state, by name.</summary>
    /// <returns>A copy, ordered by name.</returns>
    public IReadOnlyDictionary<string, ComponentHealth> Snapshot() => new SortedDictionary<string, ComponentHealth>(_components, StringComparer.Ordinal);
}

/// <summary>One component's latest state.</summary>
/// <param name="Status">Healthy, degraded (working with a problem) or unhealthy (not working).</param>
/// <param name="Description">What it last did or what is wrong.</param>
/// <param name="UpdatedAt">When it reported (UTC).</param>
public sealed record ComponentHealth(HealthStatus Status, string Description, DateTimeOffset UpdatedAt);

/// <summary>The SDK's health check (<c>affiliate_sdk</c>): the worst component state, with every component in the data.</summary>
internal sealed class AffiliateSdkHealthCheck(PipelineHealth health) : IHealthCheck
{
    public const string Name = "affiliate_sdk";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var snapshot = health.Snapshot();
        var worst = HealthStatus.Healthy;
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (name, state) in snapshot)
        {
            if (state.Status < worst)
            {
                worst = state.Status;
            }

            // Plain values so any health-report writer can render them.
            data[name] = new Dictionary<string, object>(StringComparer.Ordinal)
            {
                ["status"] = state.Status.ToString().ToLowerInvariant(),
                ["description"] = state.Description,
                ["updated_at"] = state.UpdatedAt,
            };
        }

        var description = worst == HealthStatus.Healthy
            ? "every component is working"
            : string.Join("; ", snapshot.Where(p => p.Value.Status != HealthStatus.Healthy).Select(p => $"{p.Key}: {p.Value.Description}"));
        return Task.FromResult(new HealthCheckResult(worst, description, data: data));
    }
}
