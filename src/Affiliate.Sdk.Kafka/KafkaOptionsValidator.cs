using Microsoft.Extensions.Options;

namespace Affiliate.Sdk.Kafka;

/// <summary>Checks <see cref="KafkaOptions"/> at start; every message names the setting.</summary>
internal sealed class KafkaOptionsValidator : IValidateOptions<KafkaOptions>
{
    private const string P = KafkaOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, KafkaOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.BootstrapServers))
        {
            errors.Add($"{P}:BootstrapServers must list the brokers as host:port[,host:port…] (e.g. 'b-1.example:9096').");
        }

        if (!IsValidTopic(options.Topic))
        {
            errors.Add($"{P}:Topic '{options.Topic}' is not a valid topic name (1 to 249 characters of a-z, A-Z, 0-9, '.', '_' or '-', not '.' or '..').");
        }

        if (string.IsNullOrWhiteSpace(options.GroupId))
        {
            errors.Add($"{P}:GroupId must name the consumer group of the stream-to-lake source.");
        }

        if (string.IsNullOrWhiteSpace(options.ClientId))
        {
            errors.Add($"{P}:ClientId must not be empty.");
        }

        if (!Enum.IsDefined(options.Compression))
        {
            errors.Add($"{P}:Compression must be Lz4, Zstd or None (was {options.Compression}).");
        }

        if (options.Linger < TimeSpan.Zero || options.Linger > TimeSpan.FromSeconds(5))
        {
            errors.Add($"{P}:Linger must be between 0 and 5 seconds (was {options.Linger}).");
        }

        if (options.BatchSizeBytes < 1024)
        {
            errors.Add($"{P}:BatchSizeBytes must be at least 1024 (was {options.BatchSizeBytes}).");
        }

        if (options.DeliveryTimeout < TimeSpan.FromSeconds(1) || options.DeliveryTimeout > TimeSpan.FromMinutes(15))
        {
            errors.Add($"{P}:DeliveryTimeout must be between 1 second and 15 minutes (was {options.DeliveryTimeout}).");
        }

        if (options.MaxInFlightEvents is < 1 or > 10_000_000)
        {
            errors.Add($"{P}:MaxInFlightEvents must be between 1 and 10,000,000 (was {options.MaxInFlightEvents}).");
        }

        if (options.PrefetchRecords is < 1 or > 10_000_000)
        {
            errors.Add($"{P}:PrefetchRecords must be between 1 and 10,000,000 (was {options.PrefetchRecords}).");
        }

        if (options.RevocationGracePeriod < TimeSpan.Zero || options.RevocationGracePeriod > TimeSpan.FromMinutes(5))
        {
            errors.Add($"{P}:RevocationGracePeriod must be between 0 and 5 minutes (was {options.RevocationGracePeriod}).");
        }

        CheckRaw(options.Common, "Common", errors, producer: true, consumer: true);
        CheckRaw(options.Producer, "Producer", errors, producer: true, consumer: false);
        CheckRaw(options.Consumer, "Consumer", errors, producer: false, consumer: true);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void CheckRaw(IDictionary<string, string> settings, string section, List<string> errors, bool producer, bool consumer)
    {
        foreach (var (key, value) in settings)
        {
            var path = $"{P}:{section}:{key}";
            if (string.IsNullOrWhiteSpace(key) || key.Any(char.IsWhiteSpace))
            {
                errors.Add($"{path}: '{key}' is not a librdkafka property name.");
                continue;
            }

            switch (key)
            {
                case "bootstrap.servers" or "metadata.broker.list":
                    errors.Add($"{path}: set the brokers with {P}:BootstrapServers instead.");
                    break;
                case "group.id":
                    errors.Add($"{path}: set the consumer group with {P}:GroupId instead.");
                    break;
                case "enable.idempotence" when producer && !IsTrue(value):
                    errors.Add($"{path} must be true: the publisher is idempotent so retries never duplicate or reorder events.");
                    break;
                case "acks" or "request.required.acks" when producer && value.Trim() is not ("all" or "-1"):
                    errors.Add($"{path} must be 'all': an event is acknowledged only once every in-sync replica has it.");
                    break;
                case "enable.auto.commit" when consumer && IsTrue(value):
                    errors.Add($"{path} must be false: the source commits offsets only after the lake committed the records.");
                    break;
                case "partition.assignment.strategy" when consumer && value.Trim() != "cooperative-sticky":
                    errors.Add($"{path} must be 'cooperative-sticky': the source hands over partitions incrementally after committing them.");
                    break;
                case "transactional.id" when producer:
                    errors.Add($"{path} is not supported: the publisher is idempotent, not transactional.");
                    break;
                default:
                    break;
            }
        }
    }

    private static bool IsTrue(string value) =>
        value.Trim().ToLowerInvariant() is "true" or "1" or "yes" or "on";

    internal static bool IsValidTopic(string? topic)
    {
        if (string.IsNullOrEmpty(topic) || topic.Length > 249 || topic is "." or "..")
        {
            return false;
        }

        foreach (var c in topic)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }
}
