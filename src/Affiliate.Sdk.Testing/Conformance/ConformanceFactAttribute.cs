using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Affiliate.Sdk.Testing;

/// <summary>
/// Marks a conformance test. It runs once per derived test class, and is skipped, with the reason, when that class carries a
/// <see cref="ConformanceSkipAttribute"/> that gives one (for example, a test server that is not installed).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
[XunitTestCaseDiscoverer("Affiliate.Sdk.Testing.ConformanceFactDiscoverer", "Affiliate.Sdk.Testing")]
public sealed class ConformanceFactAttribute : FactAttribute;

/// <summary>
/// Put on a derived conformance test class to skip its tests when the adapter cannot run here; return
/// <see langword="null"/> from <see cref="Reason"/> to run them. Under CI, return <see langword="null"/> so a missing server fails.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = true, AllowMultiple = true)]
public abstract class ConformanceSkipAttribute : Attribute
{
    /// <summary>Why the tests cannot run here, or <see langword="null"/> to run them.</summary>
    public abstract string? Reason { get; }
}

/// <summary>Finds <see cref="ConformanceFactAttribute"/> tests and applies the test class's <see cref="ConformanceSkipAttribute"/>.</summary>
/// <param name="diagnosticMessageSink">xunit's diagnostic sink.</param>
public sealed class ConformanceFactDiscoverer(IMessageSink diagnosticMessageSink) : FactDiscoverer(diagnosticMessageSink)
{
    /// <inheritdoc />
    protected override IXunitTestCase CreateTestCase(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        ArgumentNullException.ThrowIfNull(discoveryOptions);
        ArgumentNullException.ThrowIfNull(testMethod);
        var type = (testMethod.TestClass.Class as IReflectionTypeInfo)?.Type;
        var reason = type?.GetCustomAttributes(typeof(ConformanceSkipAttribute), inherit: true)
            .Cast<ConformanceSkipAttribute>()
            .Select(a => a.Reason)
            .FirstOrDefault(r => r is not null);
        return reason is null
            ? base.CreateTestCase(discoveryOptions, testMethod, factAttribute)
            : new XunitSkippedDataRowTestCase(
                DiagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod, reason);
    }
}
