using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;

namespace Affiliate.Sdk.ClickIds;

/// <summary>The outcome of verifying a click id.</summary>
public enum ClickIdStatus
{
    /// <summary>Well formed and signed by a key of the ring.</summary>
    Valid = 0,

    /// <summary>Not a click id of this format (wrong length, alphabet or version).</summary>
    Malformed = 1,

    /// <summary>Signed with a key id the ring does not hold (a foreign or retired key).</summary>
    UnknownKey = 2,

    /// <summary>The signature does not match: the id was altered or forged.</summary>
    BadSignature = 3,
}

/// <summary>What verifying a click id found.</summary>
/// <param name="Status">Whether the id is valid and, if not, why.</param>
/// <param name="EventId">The click event's id (UUIDv7) when valid.</param>
/// <param name="IssuedAt">When the id was issued (UTC, millisecond precision) when valid.</param>
/// <param name="KeyId">The key that signed it when valid.</param>
public readonly record struct ClickIdVerification(ClickIdStatus Status, Guid EventId, DateTimeOffset IssuedAt, byte KeyId)
{
    /// <summary>Whether the id is valid.</summary>
    public bool IsValid => Status == ClickIdStatus.Valid;
}

/// <summary>
/// Issues and verifies signed click ids: compact (40 URL-safe characters), carrying the click's UUIDv7 event id
/// (and so its issue time), the signing key id and a truncated HMAC-SHA256 under a rotating <see cref="ClickIdKeyRing"/>.
/// Layout before base64url: version (1) ‖ key id (1) ‖ event id (16, big-endian UUID bytes) ‖ MAC (12).
/// </summary>
public sealed class ClickIdCodec
{
    /// <summary>Length of every click id this codec issues.</summary>
    public const int Length = 40;

    private const byte Version = 1;
    private const int PayloadLength = 18;
    private const int MacLength = 12;
    private const int RawLength = PayloadLength + MacLength;

    private readonly ClickIdKeyRing _keys;

    // Issuing is on the click hot path: a keyed HMAC kept per thread and reset after each use costs well under half
    // of a one-shot HMAC that sets the key up again every time. It is keyed by the active key's array (one per codec).
    [ThreadStatic]
    private static byte[]? t_signerKey;

    [ThreadStatic]
    private static IncrementalHash? t_signer;

    private readonly byte[] _activeKey;

    /// <summary>Creates a codec over a key ring.</summary>
    /// <param name="keys">The keys; the active one signs, all verify.</param>
    public ClickIdCodec(ClickIdKeyRing keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        _keys = keys;
        _activeKey = keys.ActiveKey.ToArray();
    }

    /// <summary>Issues the click id of a click event.</summary>
    /// <param name="eventId">The click's event id; must be a UUIDv7 (its timestamp is the issue time).</param>
    /// <returns>The signed, URL-safe click id.</returns>
    public string Issue(Guid eventId)
    {
        if (eventId.Version != 7)
        {
            throw new ArgumentException("A click id is issued for a UUIDv7 event id.", nameof(eventId));
        }

        Span<byte> raw = stackalloc byte[RawLength];
        raw[0] = Version;
        raw[1] = _keys.ActiveKeyId;
        eventId.TryWriteBytes(raw.Slice(2, 16), bigEndian: true, out _);
        var signer = t_signer;
        if (signer is null || !ReferenceEquals(t_signerKey, _activeKey))
        {
            signer?.Dispose();
            t_signer = signer = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _activeKey);
            t_signerKey = _activeKey;
        }

        signer.AppendData(raw[..PayloadLength]);
        Span<byte> full = stackalloc byte[HMACSHA256.HashSizeInBytes];
        signer.GetHashAndReset(full);
        full[..MacLength].CopyTo(raw[PayloadLength..]);
        return Base64Url.EncodeToString(raw);
    }

    /// <summary>Verifies a click id: detects malformed, foreign and tampered ids.</summary>
    /// <param name="clickId">The id as received.</param>
    /// <returns>The verdict and, when valid, the event id and issue time.</returns>
    public ClickIdVerification Verify(ReadOnlySpan<char> clickId)
    {
        if (clickId.Length != Length)
        {
            return new ClickIdVerification(ClickIdStatus.Malformed, Guid.Empty, default, 0);
        }

        Span<byte> raw = stackalloc byte[RawLength];
        if (Base64Url.DecodeFromChars(clickId, raw, out var consumed, out var written) != System.Buffers.OperationStatus.Done
            || consumed != Length || written != RawLength || raw[0] != Version)
        {
            return new ClickIdVerification(ClickIdStatus.Malformed, Guid.Empty, default, 0);
        }

        var keyId = raw[1];
        if (!_keys.TryGetKey(keyId, out var key))
        {
            return new ClickIdVerification(ClickIdStatus.UnknownKey, Guid.Empty, default, keyId);
        }

        Span<byte> expected = stackalloc byte[MacLength];
        Sign(key, raw[..PayloadLength], expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, raw[PayloadLength..]))
        {
            return new ClickIdVerification(ClickIdStatus.BadSignature, Guid.Empty, default, keyId);
        }

        var eventId = new Guid(raw.Slice(2, 16), bigEndian: true);
        if (eventId.Version != 7)
        {
            return new ClickIdVerification(ClickIdStatus.Malformed, Guid.Empty, default, keyId);
        }

        // UUIDv7: the first 48 bits are Unix milliseconds.
        var unixMs = (long)(BinaryPrimitives.ReadUInt64BigEndian(raw.Slice(2, 8)) >> 16);
        return new ClickIdVerification(ClickIdStatus.Valid, eventId, DateTimeOffset.FromUnixTimeMilliseconds(unixMs), keyId);
    }

    private static void Sign(ReadOnlySpan<byte> key, ReadOnlySpan<byte> payload, Span<byte> mac)
    {
        Span<byte> full = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(key, payload, full);
        full[..MacLength].CopyTo(mac);
    }
}
