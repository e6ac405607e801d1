using System.Globalization;

namespace Affiliate.Sdk.Kinesis;

/// <summary>The open shards of a stream by hash-key range, for routing records (and aggregates) to one shard each.</summary>
internal sealed class ShardMap
{
    private readonly Range[] _ranges;

    public ShardMap(IEnumerable<KinesisShard> shards)
    {
        ArgumentNullException.ThrowIfNull(shards);
        _ranges = shards
            .Where(s => s.IsOpen)
            .Select(s => new Range(s.ShardId, UInt128.Parse(s.StartingHashKey, CultureInfo.InvariantCulture), UInt128.Parse(s.EndingHashKey, CultureInfo.InvariantCulture), s.StartingHashKey))
            .OrderBy(r => r.Start)
            .ToArray();
        if (_ranges.Length == 0)
        {
            throw new KinesisException("The stream has no open shard.", "NoOpenShard", null, isRetryable: true);
        }
    }

    public int Count => _ranges.Length;

    /// <summary>The shard index owning a hash key.</summary>
    public int IndexOf(UInt128 hashKey)
    {
        int lo = 0, hi = _ranges.Length - 1;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) / 2;
            if (_ranges[mid].Start <= hashKey)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return lo;
    }

    public string ShardId(int index) => _ranges[index].ShardId;

    /// <summary>A hash key inside the shard's range, used as the explicit hash key of an aggregate bound for it.</summary>
    public string ExplicitHashKey(int index) => _ranges[index].StartText;

    public bool Contains(int index, UInt128 hashKey) => hashKey >= _ranges[index].Start && hashKey <= _ranges[index].End;

    private readonly record struct Range(string ShardId, UInt128 Start, UInt128 End, string StartText);
}
