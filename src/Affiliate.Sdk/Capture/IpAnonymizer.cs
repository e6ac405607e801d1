using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Affiliate.Sdk.Capture;

/// <summary>
/// Turns a client address into what may be stored: a keyed hash or a network prefix written in CIDR form
/// (<c>203.0.113.0/24</c>), never the address itself. IPv4-mapped IPv6 addresses are treated as IPv4.
/// </summary>
internal sealed class IpAnonymizer
{
    private const int HashBytes = 16;
    private readonly IpAnonymizationMode _mode;
    private readonly byte[] _key;

    // A keyed HMAC kept per thread and reset after each use: far cheaper than setting the key up for every request.
    [ThreadStatic]
    private static byte[]? t_hashKey;

    [ThreadStatic]
    private static IncrementalHash? t_hash;

    public IpAnonymizer(CaptureOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _mode = options.IpAnonymization;
        _key = Encoding.UTF8.GetBytes(options.IpHashSalt ?? string.Empty);
        if (_mode == IpAnonymizationMode.Hash && _key.Length == 0)
        {
            throw new ArgumentException("IP hashing needs a salt.", nameof(options));
        }
    }

    /// <summary>The anonymised form, or <see langword="null"/> without an address.</summary>
    public string? Anonymize(IPAddress? address)
    {
        if (address is null)
        {
            return null;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out var length))
        {
            return null;
        }

        bytes = bytes[..length];
        if (_mode == IpAnonymizationMode.Hash)
        {
            Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
            var hash = t_hash;
            if (hash is null || !ReferenceEquals(t_hashKey, _key))
            {
                hash?.Dispose();
                t_hash = hash = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
                t_hashKey = _key;
            }

            hash.AppendData(bytes);
            hash.GetHashAndReset(mac);
            return Convert.ToHexStringLower(mac[..HashBytes]);
        }

        return address.AddressFamily == AddressFamily.InterNetwork
            ? string.Create(CultureInfo.InvariantCulture, stackalloc char[24], $"{bytes[0]}.{bytes[1]}.{bytes[2]}.0/24")
            : string.Create(
                CultureInfo.InvariantCulture,
                stackalloc char[24],
                $"{(bytes[0] << 8) | bytes[1]:x}:{(bytes[2] << 8) | bytes[3]:x}:{(bytes[4] << 8) | bytes[5]:x}::/48");
    }
}
