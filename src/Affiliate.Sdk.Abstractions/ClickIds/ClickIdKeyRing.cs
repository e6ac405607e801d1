namespace Affiliate.Sdk.ClickIds;

/// <summary>
/// The keys that sign click ids: several may verify (so old ids stay valid while keys rotate), exactly one signs.
/// Rotate by adding a new key, making it active, and removing the old one after the longest attribution window.
/// </summary>
public sealed class ClickIdKeyRing
{
    /// <summary>Shortest secret accepted, in bytes.</summary>
    public const int MinSecretLength = 32;

    private readonly byte[]?[] _keys = new byte[256][];

    /// <summary>Creates a key ring.</summary>
    /// <param name="keys">Key id (0–255) and secret (at least <see cref="MinSecretLength"/> bytes) of every key.</param>
    /// <param name="activeKeyId">The key that signs new ids; must be one of <paramref name="keys"/>.</param>
    /// <exception cref="ArgumentException">A secret is too short, a key id repeats, or the active key is missing.</exception>
    public ClickIdKeyRing(IEnumerable<KeyValuePair<byte, byte[]>> keys, byte activeKeyId)
    {
        ArgumentNullException.ThrowIfNull(keys);
        foreach (var (id, secret) in keys)
        {
            if (secret is null || secret.Length < MinSecretLength)
            {
                throw new ArgumentException($"Click id key {id} must be at least {MinSecretLength} bytes.", nameof(keys));
            }

            if (_keys[id] is not null)
            {
                throw new ArgumentException($"Click id key {id} is given twice.", nameof(keys));
            }

            _keys[id] = (byte[])secret.Clone();
        }

        if (_keys[activeKeyId] is null)
        {
            throw new ArgumentException($"The active click id key {activeKeyId} is not in the ring.", nameof(activeKeyId));
        }

        ActiveKeyId = activeKeyId;
    }

    /// <summary>The key id that signs new click ids.</summary>
    public byte ActiveKeyId { get; }

    internal ReadOnlySpan<byte> ActiveKey => _keys[ActiveKeyId];

    internal bool TryGetKey(byte id, out ReadOnlySpan<byte> key)
    {
        key = _keys[id];
        return _keys[id] is not null;
    }
}
