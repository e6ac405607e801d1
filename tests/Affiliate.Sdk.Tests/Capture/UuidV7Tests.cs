using System.Buffers.Binary;
using Affiliate.Sdk.Capture;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Affiliate.Sdk.Tests.Capture;

public sealed class UuidV7Tests
{
    [Property(MaxTest = 300)]
    public Property Ids_are_version_7_rfc_variant_and_carry_the_millisecond() =>
        Prop.ForAll(Gen.Choose(0, int.MaxValue).Select(s => DateTimeOffset.UnixEpoch.AddYears(30).AddSeconds(s).AddTicks(s % 10_000_000)).ToArbitrary(), at =>
        {
            var id = UuidV7.Create(at);
            Span<byte> bytes = stackalloc byte[16];
            id.TryWriteBytes(bytes, bigEndian: true, out _);
            var ms = (long)(BinaryPrimitives.ReadUInt64BigEndian(bytes) >> 16);

            return id.Version == 7 && (bytes[8] & 0xC0) == 0x80 && ms == at.ToUnixTimeMilliseconds();
        });

    [Fact]
    public void Ids_in_the_same_millisecond_are_distinct_across_buffer_refills()
    {
        var at = DateTimeOffset.UtcNow;

        var ids = Enumerable.Range(0, 5000).Select(_ => UuidV7.Create(at)).ToHashSet();

        Assert.Equal(5000, ids.Count);
    }
}
