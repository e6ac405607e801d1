using Affiliate.Sdk.Events;
using FsCheck;
using FsCheck.Fluent;

namespace Affiliate.Sdk.Testing;

/// <summary>Arbitraries for <c>[Property(Arbitrary = [typeof(AffiliateArbitraries)])]</c>: any <see cref="TrackingEvent"/>.</summary>
public static class AffiliateArbitraries
{
    /// <summary>Events of any kind and field values (<see cref="AffiliateGenerators.AnyEvent"/>).</summary>
    /// <returns>The arbitrary.</returns>
    public static Arbitrary<TrackingEvent> Events() => Arb.From(AffiliateGenerators.AnyEvent);
}
