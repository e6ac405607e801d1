namespace Affiliate.Sdk.Testing;

/// <summary>Disposes what a factory returned, whichever way it disposes.</summary>
internal static class Disposal
{
    public static async ValueTask DisposeAsync(object? value)
    {
        switch (value)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
    }
}
