using Affiliate.Sdk.DependencyInjection;

namespace Affiliate.Sdk.LocalLog;

/// <summary>Settings of the durable local log (configuration section <c>AffiliateSdk:LocalLog</c>).</summary>
public sealed class LocalLogOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = AffiliateSdkOptions.SectionName + ":LocalLog";

    /// <summary>The name of the consumer that the default event source (stream → lake) reads as.</summary>
    public const string DefaultConsumer = "lake";

    /// <summary>Where segment and offset files live; relative paths resolve against the working directory.</summary>
    public string Directory { get; set; } = "data/log";

    /// <summary>A segment is sealed and a new one started once it holds at least this many bytes (default 64 MiB).</summary>
    public long SegmentBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// Whether every group commit is flushed to the disk (fsync) before appends are acknowledged (default on).
    /// Turning it off trades durability on power loss for speed; a process crash still loses nothing written.
    /// </summary>
    public bool Fsync { get; set; } = true;

    /// <summary>
    /// How many group commits may be syncing at once when <see cref="Fsync"/> is on (default 1, at most 8). One is fastest
    /// on most disks; raise it on storage that completes concurrent flushes in parallel (measure with the local-log benchmark).
    /// </summary>
    public int SyncsInFlight { get; set; } = 1;

    /// <summary>The most bytes one group commit (one write and one fsync) carries (default 4 MiB).</summary>
    public int MaxBatchBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>The largest accepted record payload in bytes (default 1 MiB).</summary>
    public int MaxRecordBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Named consumers that hold back retention, besides <see cref="DefaultConsumer"/> (always included):
    /// a segment is deleted only once every one of them has committed past it.
    /// </summary>
    public IList<string> Consumers { get; } = [];
}
