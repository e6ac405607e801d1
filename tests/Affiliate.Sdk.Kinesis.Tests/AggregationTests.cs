using System.Globalization;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Affiliate.Sdk.Kinesis.Tests;

public sealed class AggregationTests
{
    private static readonly string[] Nasty = ["", "é", "🙂", "a\u0000b", new string('k', 256), "click-1", "日本語キー"];

    private static Gen<UserRecord> UserRecordGen =>
        from key in Gen.OneOf(Gen.Elements(Nasty).Where(k => k.Length > 0), ArbMap.Default.GeneratorFor<NonEmptyString>().Select(s => s.Get.Length > 256 ? s.Get[..256] : s.Get))
        from size in Gen.OneOf(Gen.Choose(0, 40), Gen.Choose(0, 3000))
        from seed in Gen.Choose(0, 255)
        select new UserRecord(key, Enumerable.Range(0, size).Select(i => (byte)(seed + (i * 31))).ToArray());

    internal static Arbitrary<UserRecord[]> Records() => Arb.From(Gen.ArrayOf(UserRecordGen).Where(a => a.Length > 0));

    [Property(MaxTest = 200)]
    public Property Any_user_records_round_trip_through_an_aggregate() =>
        Prop.ForAll(Records(), records =>
        {
            var encoded = KplAggregation.Encode(records);
            Assert.True(KplAggregation.TryDecode(encoded, out var decoded));
            Assert.Equal(records.Length, decoded.Count);
            for (var i = 0; i < records.Length; i++)
            {
                Assert.Equal(records[i].PartitionKey, decoded[i].PartitionKey);
                Assert.Equal(records[i].Data.ToArray(), decoded[i].Data.ToArray());
            }
        });

    [Property(MaxTest = 100)]
    public Property Size_accounting_matches_the_encoded_length() =>
        Prop.ForAll(Records(), records =>
        {
            var keys = new Dictionary<string, int>(StringComparer.Ordinal);
            var size = KplAggregation.Overhead;
            foreach (var r in records)
            {
                var known = keys.TryGetValue(r.PartitionKey, out var index);
                if (!known)
                {
                    index = keys.Count;
                    keys.Add(r.PartitionKey, index);
                }

                size += KplAggregation.RecordSize(index, r.Data.Length, known ? 0 : Encoding.UTF8.GetByteCount(r.PartitionKey));
            }

            Assert.Equal(size, KplAggregation.Encode(records).Length);
        });

    [Fact]
    public void Aggregate_starts_with_the_magic_and_ends_with_the_md5_of_the_protobuf()
    {
        var encoded = KplAggregation.Encode([new UserRecord("k", new byte[] { 1, 2, 3 })]);

        Assert.Equal(new byte[] { 0xF3, 0x89, 0x9A, 0xC2 }, encoded[..4]);
#pragma warning disable CA5351 // The format's digest, not security.
        Assert.Equal(System.Security.Cryptography.MD5.HashData(encoded[4..^16]), encoded[^16..]);
#pragma warning restore CA5351
        // partition_key_table "k", then record { 1: 0, 3: 010203 }.
        Assert.Equal(new byte[] { 0x0A, 0x01, (byte)'k', 0x1A, 0x07, 0x08, 0x00, 0x1A, 0x03, 1, 2, 3 }, encoded[4..^16]);
    }

    [Fact]
    public void Record_with_the_magic_but_a_wrong_digest_is_not_an_aggregate()
    {
        var encoded = KplAggregation.Encode([new UserRecord("k", new byte[] { 1, 2, 3 })]);
        encoded[^1] ^= 0xFF;

        Assert.False(KplAggregation.TryDecode(encoded, out _));
    }

    [Fact]
    public void Plain_json_is_not_an_aggregate()
    {
        Assert.False(KplAggregation.TryDecode("{\"eventId\":1}"u8.ToArray(), out _));
    }

    [Fact]
    public void Hash_key_is_the_big_endian_md5_of_the_utf8_partition_key()
    {
        // MD5("a") = 0cc175b9c0f1b6a831c399e269772661.
        Assert.Equal(UInt128.Parse("0cc175b9c0f1b6a831c399e269772661", NumberStyles.HexNumber, CultureInfo.InvariantCulture), HashKeys.Of("a"));
    }
}
