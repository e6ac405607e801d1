using FsCheck;
using FsCheck.Fluent;

namespace Affiliate.Sdk.Testing;

/// <summary>Runs FsCheck properties inside conformance tests, so each adapter chooses how many cases its suite runs.</summary>
internal static class ConformanceProperty
{
    /// <summary>Checks an asynchronous property over generated values; a failure throws with the counter-example.</summary>
    public static Task CheckAsync<T>(Gen<T> generator, int maxTest, Func<T, Task> body)
    {
        var property = Prop.ForAll(generator.ToArbitrary(), body);
        var config = Config.QuickThrowOnFailure.WithMaxTest(Math.Max(1, maxTest)).WithQuietOnSuccess(true);

        // FsCheck waits for each case synchronously; run it off xunit's synchronization context.
        return Task.Run(() => Check.One(config, property));
    }
}
