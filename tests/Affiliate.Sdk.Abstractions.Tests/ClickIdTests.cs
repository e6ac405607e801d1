using Affiliate.Sdk.ClickIds;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Affiliate.Sdk.Abstractions.Tests;

public sealed class ClickIdTests
{
    private static readonly byte[] Key1 = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
    private static readonly byte[] Key2 = Enumerable.Range(100, 32).Select(i => (byte)i).ToArray();

    private static ClickIdKeyRing Ring(byte active, params (byte Id, byte[] Secret)[] keys) =>
        new(keys.Select(k => new KeyValuePair<byte, byte[]>(k.Id, k.Secret)), active);

    private static Gen<DateTimeOffset> IssueTimes =>
        Gen.Choose(0, int.MaxValue).Select(s => DateTimeOffset.UnixEpoch.AddYears(50).AddSeconds(s).AddMilliseconds(s % 1000));

    [Property(MaxTest = 200)]
    public Property Issued_ids_verify_and_carry_the_event_id_and_issue_time() =>
        Prop.ForAll(IssueTimes.ToArbitrary(), at =>
        {
            var codec = new ClickIdCodec(Ring(1, (1, Key1)));
            var eventId = Guid.CreateVersion7(at);

            var id = codec.Issue(eventId);
            var result = codec.Verify(id);

            return id.Length == ClickIdCodec.Length
                && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
                && result.IsValid
                && result.EventId == eventId
                && result.IssuedAt == DateTimeOffset.FromUnixTimeMilliseconds(at.ToUnixTimeMilliseconds())
                && result.KeyId == 1;
        });

    [Property(MaxTest = 300)]
    public Property Changing_any_character_is_detected() =>
        Prop.ForAll(
            Gen.Choose(0, ClickIdCodec.Length - 1).ToArbitrary(),
            Gen.Elements("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".ToCharArray()).ToArbitrary(),
            (position, replacement) =>
            {
                var codec = new ClickIdCodec(Ring(1, (1, Key1)));
                var id = codec.Issue(Guid.CreateVersion7());
                var chars = id.ToCharArray();
                if (chars[position] == replacement)
                {
                    return true; // not a change
                }

                chars[position] = replacement;
                return !codec.Verify(new string(chars)).IsValid;
            });

    [Fact]
    public void An_id_signed_under_a_foreign_secret_is_a_bad_signature()
    {
        var ours = new ClickIdCodec(Ring(1, (1, Key1)));
        var theirs = new ClickIdCodec(Ring(1, (1, Key2)));

        var result = ours.Verify(theirs.Issue(Guid.CreateVersion7()));

        Assert.Equal(ClickIdStatus.BadSignature, result.Status);
    }

    [Fact]
    public void An_id_signed_with_a_key_id_not_in_the_ring_is_unknown_key()
    {
        var ours = new ClickIdCodec(Ring(1, (1, Key1)));
        var theirs = new ClickIdCodec(Ring(9, (9, Key1)));

        Assert.Equal(ClickIdStatus.UnknownKey, ours.Verify(theirs.Issue(Guid.CreateVersion7())).Status);
    }

    [Fact]
    public void Rotation_keeps_old_ids_valid_while_new_ids_use_the_new_key()
    {
        var before = new ClickIdCodec(Ring(1, (1, Key1)));
        var during = new ClickIdCodec(Ring(2, (1, Key1), (2, Key2)));
        var after = new ClickIdCodec(Ring(2, (2, Key2)));
        var oldId = before.Issue(Guid.CreateVersion7());

        var newId = during.Issue(Guid.CreateVersion7());

        Assert.True(during.Verify(oldId).IsValid);
        Assert.Equal(2, during.Verify(newId).KeyId);
        Assert.True(after.Verify(newId).IsValid);
        Assert.Equal(ClickIdStatus.UnknownKey, after.Verify(oldId).Status);
    }

    [Theory]
    [InlineData("")]
    [InlineData("short")]
    [InlineData("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public void Garbage_is_malformed(string input)
    {
        var codec = new ClickIdCodec(Ring(1, (1, Key1)));

        Assert.Equal(ClickIdStatus.Malformed, codec.Verify(input).Status);
    }

    [Fact]
    public void Only_UUIDv7_event_ids_get_click_ids()
    {
        var codec = new ClickIdCodec(Ring(1, (1, Key1)));

        Assert.Throws<ArgumentException>(() => codec.Issue(Guid.NewGuid()));
    }

    [Fact]
    public void Key_ring_refuses_short_secrets_duplicates_and_a_missing_active_key()
    {
        Assert.Throws<ArgumentException>(() => Ring(1, (1, new byte[16])));
        Assert.Throws<ArgumentException>(() => Ring(1, (1, Key1), (1, Key2)));
        Assert.Throws<ArgumentException>(() => Ring(3, (1, Key1)));
    }
}
