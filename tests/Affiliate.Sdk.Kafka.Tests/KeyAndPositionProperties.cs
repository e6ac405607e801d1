using Affiliate.Sdk.Events;
using Confluent.Kafka;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Affiliate.Sdk.Kafka.Tests;

public sealed class KeyAndPositionProperties
{
    private static readonly char[] TopicChars = "abcXYZ019._-".ToCharArray();

    private static Arbitrary<string> Topics() =>
        Gen.Choose(1, 249)
            .SelectMany(n => Gen.ArrayOf(Gen.Elements(TopicChars), n))
            .Select(c => new string(c))
            .Where(KafkaOptionsValidator.IsValidTopic)
            .ToArbitrary();

    [Property]
    public Property A_partition_name_round_trips_through_a_checkpoint() =>
        Prop.ForAll(Topics(), Gen.Choose(0, int.MaxValue).ToArbitrary(), (topic, partition) =>
        {
            var name = KafkaEventSource.FormatPartition(new TopicPartition(topic, new Partition(partition)));
            var parsed = KafkaEventSource.ParsePartition(name);
            return parsed.Topic == topic && parsed.Partition.Value == partition && name == $"{topic}/{partition}";
        });

    [Property]
    public Property A_click_and_its_conversions_share_a_key_and_impressions_are_keyed_by_event_id() =>
        Prop.ForAll(Gen.Choose(0, 1_000_000).ToArbitrary(), i =>
        {
            var click = KafkaPartitionKey.For(TestEvents.Click(i));
            var conversion = KafkaPartitionKey.For(TestEvents.Conversion(i));
            var impression = TestEvents.Impression(i);
            return click.AsSpan().SequenceEqual(conversion)
                && System.Text.Encoding.UTF8.GetString(KafkaPartitionKey.For(impression)) == impression.EventId.ToString("D");
        });

    [Fact]
    public void A_checkpoint_partition_that_is_not_topic_slash_number_is_refused()
    {
        Assert.Throws<ArgumentException>(() => KafkaEventSource.ParsePartition("0"));
        Assert.Throws<ArgumentException>(() => KafkaEventSource.ParsePartition("topic/x"));
        Assert.Throws<ArgumentException>(() => KafkaEventSource.ParsePartition("/3"));
    }

    [Fact]
    public void A_conversion_without_a_click_id_is_keyed_by_its_event_id()
    {
        var conversion = TestEvents.Conversion(1) with { ClickId = null };
        Assert.Equal(conversion.EventId.ToString("D"), System.Text.Encoding.UTF8.GetString(KafkaPartitionKey.For(conversion)));
        Assert.Equal(EventKind.Conversion, conversion.Kind);
    }
}
