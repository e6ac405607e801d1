using System.Globalization;
using Affiliate.Sdk.Lake.Parquet.Medallion;
using Affiliate.Sdk.Pipeline;
using Affiliate.Sdk.Reports;
using Parquet;
using Parquet.Schema;

namespace Affiliate.Sdk.Lake.Parquet;

/// <summary>
/// Answers <see cref="ReportQuery"/> from the gold Parquet of the lake (<c>gold/hourly/</c>, <c>gold/daily/</c>) without a
/// database: only the date partitions of the range are read, row group by row group, decoding only the columns the query
/// needs, and summed into one accumulator per result row. Same answers as the DuckDB report client (docs/reports.md).
/// </summary>
public sealed class ParquetReportClient : IReportClient
{
    private static readonly DataField<string>[] DimensionFields =
        [GoldParquet.AffiliateId, GoldParquet.OfferId, GoldParquet.CampaignId, GoldParquet.Sub1, GoldParquet.Sub2, GoldParquet.Sub3, GoldParquet.Sub4, GoldParquet.Sub5, GoldParquet.Country];

    private static readonly DataField<long>[] CountFields =
        [GoldParquet.Impressions, GoldParquet.Clicks, GoldParquet.UniqueClicks, GoldParquet.BotClicks, GoldParquet.Conversions, GoldParquet.PendingConversions, GoldParquet.RejectedConversions];

    private readonly IBlobStore _store;
    private readonly string _manifestKey;

    /// <summary>Creates a client over a lake's gold.</summary>
    /// <param name="store">The lake.</param>
    /// <param name="options">The in-process engine's settings (where its manifest, and so the freshness, is); defaults when <see langword="null"/>.</param>
    public ParquetReportClient(IBlobStore store, InProcessMedallionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _manifestKey = (options ?? new InProcessMedallionOptions()).StatePrefix + "manifest.json";
    }

    /// <inheritdoc />
    /// <exception cref="AffiliateSdkException">A gold file cannot be read; the message names it.</exception>
    public async ValueTask<ReportResult> QueryAsync(ReportQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var plan = ReportPlan.Create(query);
        var groups = new Dictionary<GroupKey, Sums>();
        foreach (var date in plan.Dates())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var newest = await NewestFileAsync(GoldParquet.PartitionPrefix(plan.Source, date), cancellationToken).ConfigureAwait(false);
            if (newest is not null)
            {
                await AggregateFileAsync(newest, plan, groups, cancellationToken).ConfigureAwait(false);
            }
        }

        var totals = new Sums();
        foreach (var sums in groups.Values)
        {
            totals.Add(sums);
        }

        // Each group's sums are converted once; sorting then compares metric values without building anything.
        var ordered = new List<KeyValuePair<GroupKey, ReportSums>>(groups.Count);
        foreach (var (key, sums) in groups)
        {
            ordered.Add(KeyValuePair.Create(key, sums.ToSums()));
        }

        ordered.Sort(plan.Compare);
        var metrics = query.Metrics.Count == 0 ? ReportNames.AllMetrics : query.Metrics.Distinct().ToList();
        var rows = new List<ReportRow>(Math.Min(ordered.Count, query.Limit));
        foreach (var (key, sums) in ordered.Take(query.Limit))
        {
            var dimensions = new Dictionary<ReportDimension, string?>(query.GroupBy.Count);
            foreach (var d in query.GroupBy)
            {
                dimensions[d] = key[d];
            }

            rows.Add(new ReportRow(plan.FormatPeriod(key.Period), dimensions, sums.ValuesOf(metrics)));
        }

        var manifest = await MedallionStateStore.ReadAsync(_store, _manifestKey, MedallionStateJsonContext.Default.MedallionManifest, cancellationToken).ConfigureAwait(false);
        return new ReportResult(rows, totals.ToSums().ValuesOf(metrics), manifest?.Freshness);
    }

    /// <summary>
    /// The date's file. An engine writes one file per date folder and replaces it by writing the new file before deleting
    /// the old, whose name sorts first: reading the newest never counts a date twice.
    /// </summary>
    private async Task<string?> NewestFileAsync(string prefix, CancellationToken ct)
    {
        string? newest = null;
        await foreach (var item in _store.ListAsync(prefix, ct).ConfigureAwait(false))
        {
            if (BronzeLayout.IsDataFile(item.Key) && (newest is null || string.CompareOrdinal(item.Key, newest) > 0))
            {
                newest = item.Key;
            }
        }

        return newest;
    }

    private async Task AggregateFileAsync(string key, ReportPlan plan, Dictionary<GroupKey, Sums> groups, CancellationToken ct)
    {
        var stream = await _store.OpenReadAsync(key, ct).ConfigureAwait(false);
        if (stream is null)
        {
            return; // Replaced since the listing; the query answers from what it read (gold is eventually consistent).
        }

        await using (stream.ConfigureAwait(false))
        {
            var seekable = stream;
            if (!stream.CanSeek)
            {
                seekable = new MemoryStream();
                await stream.CopyToAsync(seekable, ct).ConfigureAwait(false);
                seekable.Position = 0;
            }

            try
            {
                await AggregateAsync(seekable, plan, groups, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not AffiliateSdkException)
            {
                throw new AffiliateSdkException($"Gold file '{key}' could not be read by the report client: {ex.Message}", isRetryable: ex is IOException, ex);
            }
            finally
            {
                if (!ReferenceEquals(seekable, stream))
                {
                    await seekable.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
    }

    private static async Task AggregateAsync(Stream stream, ReportPlan plan, Dictionary<GroupKey, Sums> groups, CancellationToken ct)
    {
        var reader = await ParquetReader.CreateAsync(stream, new ParquetOptions(), leaveStreamOpen: true, ct).ConfigureAwait(false);
        await using var scope = reader.ConfigureAwait(false);
        var byName = reader.Schema.DataFields.ToDictionary(f => f.Name, StringComparer.Ordinal);
        DataField F(DataField expected) => byName.TryGetValue(expected.Name, out var f)
            ? f
            : throw new InvalidDataException($"The Parquet file has no column '{expected.Name}'; it is not a gold file of this schema.");

        var needed = plan.NeededDimensions;
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var rg = reader.OpenRowGroupReader(g);
            var n = checked((int)rg.RowCount);
            var period = new DateTime[n];
            await rg.ReadAsync<DateTime>(F(GoldParquet.Period), period, null, ct).ConfigureAwait(false);
            var dims = new string?[DimensionFields.Length][];
            for (var d = 0; d < DimensionFields.Length; d++)
            {
                if (needed[d])
                {
                    dims[d] = new string?[n];
                    await rg.ReadAsync(F(DimensionFields[d]), dims[d]!, null, ct).ConfigureAwait(false);
                }
            }

            var counts = new long[CountFields.Length][];
            for (var c = 0; c < CountFields.Length; c++)
            {
                counts[c] = new long[n];
                await rg.ReadAsync<long>(F(CountFields[c]), counts[c], null, ct).ConfigureAwait(false);
            }

            var revenue = new decimal[n];
            var payout = new decimal[n];
            await rg.ReadAsync<decimal>(F(GoldParquet.Revenue), revenue, null, ct).ConfigureAwait(false);
            await rg.ReadAsync<decimal>(F(GoldParquet.Payout), payout, null, ct).ConfigureAwait(false);

            for (var i = 0; i < n; i++)
            {
                if (!plan.TryPeriod(period[i].Ticks, out var periodKey) || !plan.Passes(dims, i))
                {
                    continue;
                }

                var key = plan.KeyOf(periodKey, dims, i);
                if (!groups.TryGetValue(key, out var sums))
                {
                    groups[key] = sums = new Sums();
                }

                sums.Impressions += counts[0][i];
                sums.Clicks += counts[1][i];
                sums.UniqueClicks += counts[2][i];
                sums.BotClicks += counts[3][i];
                sums.Conversions += counts[4][i];
                sums.Pending += counts[5][i];
                sums.Rejected += counts[6][i];
                sums.Revenue += revenue[i];
                sums.Payout += payout[i];
            }
        }
    }

    /// <summary>A result row's key: its period (see <see cref="ReportPlan"/>) and its grouped dimension values.</summary>
    private readonly record struct GroupKey(long Period, string? D0, string? D1, string? D2, string? D3, string? D4, string? D5, string? D6, string? D7, string? D8)
    {
        public string? this[ReportDimension dimension] => ((int)dimension - 1) switch
        {
            0 => D0,
            1 => D1,
            2 => D2,
            3 => D3,
            4 => D4,
            5 => D5,
            6 => D6,
            7 => D7,
            _ => D8,
        };
    }

    private sealed class Sums
    {
        public long Impressions { get; set; }

        public long Clicks { get; set; }

        public long UniqueClicks { get; set; }

        public long BotClicks { get; set; }

        public long Conversions { get; set; }

        public long Pending { get; set; }

        public long Rejected { get; set; }

        public decimal Revenue { get; set; }

        public decimal Payout { get; set; }

        public void Add(Sums other)
        {
            Impressions += other.Impressions;
            Clicks += other.Clicks;
            UniqueClicks += other.UniqueClicks;
            BotClicks += other.BotClicks;
            Conversions += other.Conversions;
            Pending += other.Pending;
            Rejected += other.Rejected;
            Revenue += other.Revenue;
            Payout += other.Payout;
        }

        /// <summary>The immutable sums the shared metric rules work on.</summary>
        public ReportSums ToSums() => new(Impressions, Clicks, UniqueClicks, BotClicks, Conversions, Pending, Rejected, Revenue, Payout);
    }

    /// <summary>
    /// What a query reads and how it buckets: UTC day, month and total reports read daily gold; other zones and the hour
    /// grain read hourly gold, each UTC hour counted in the local period holding its start (docs/reports.md). Period keys:
    /// UTC ticks of the hour (hour grain), day number of the local date (day) or of the month's first day (month), 0 (total).
    /// </summary>
    private sealed class ReportPlan
    {
        private readonly ReportQuery _query;
        private readonly TimeZoneInfo _zone;
        private readonly IReadOnlyList<ReportSortKey> _sortKeys;
        private readonly long _startTicks;
        private readonly long _endTicks;
        private readonly HashSet<string>?[] _filters = new HashSet<string>?[9];
        private readonly Dictionary<long, long> _localPeriods = [];

        private ReportPlan(ReportQueryPlan plan)
        {
            var query = plan.Query;
            _query = query;
            _zone = plan.TimeZone;
            _sortKeys = plan.SortKeys;
            Source = plan.ReadsHourlyGold ? Affiliate.Sdk.Medallion.GoldGrain.Hour : Affiliate.Sdk.Medallion.GoldGrain.Day;
            _startTicks = plan.Start.UtcTicks;
            _endTicks = plan.End.UtcTicks;
            NeededDimensions = new bool[9];
            foreach (var d in query.GroupBy)
            {
                NeededDimensions[(int)d - 1] = true;
            }

            foreach (var (d, values) in query.Filters)
            {
                NeededDimensions[(int)d - 1] = true;
                _filters[(int)d - 1] = new HashSet<string>(values, StringComparer.Ordinal);
            }
        }

        public Affiliate.Sdk.Medallion.GoldGrain Source { get; }

        public bool[] NeededDimensions { get; }

        public static ReportPlan Create(ReportQuery query)
        {
            return new ReportPlan(ReportQueryPlan.Create(query));
        }

        /// <summary>The UTC dates (gold partitions) the range covers.</summary>
        public IEnumerable<DateOnly> Dates()
        {
            var first = DateOnly.FromDateTime(new DateTime(_startTicks, DateTimeKind.Utc));
            var last = DateOnly.FromDateTime(new DateTime(_endTicks - 1, DateTimeKind.Utc));
            for (var d = first; d <= last; d = d.AddDays(1))
            {
                yield return d;
            }
        }

        /// <summary>Whether a gold row's period start is in the range, and its result period.</summary>
        public bool TryPeriod(long ticks, out long period)
        {
            period = 0;
            if (ticks < _startTicks || ticks >= _endTicks)
            {
                return false;
            }

            switch (_query.Grain)
            {
                case ReportGrain.Total:
                    return true;
                case ReportGrain.Hour:
                    period = ticks;
                    return true;
            }

            if (Source == Affiliate.Sdk.Medallion.GoldGrain.Day)
            {
                period = Bucket(DateOnly.FromDateTime(new DateTime(ticks, DateTimeKind.Utc)));
                return true;
            }

            if (!_localPeriods.TryGetValue(ticks, out period))
            {
                var utc = new DateTimeOffset(ticks, TimeSpan.Zero);
                _localPeriods[ticks] = period = Bucket(DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(utc, _zone).DateTime));
            }

            return true;
        }

        public bool Passes(string?[]?[] dims, int row)
        {
            for (var d = 0; d < _filters.Length; d++)
            {
                if (_filters[d] is { } allowed && (dims[d]![row] is not { } value || !allowed.Contains(value)))
                {
                    return false;
                }
            }

            return true;
        }

        public GroupKey KeyOf(long period, string?[]?[] dims, int row)
        {
            string? V(ReportDimension d) => _query.GroupBy.Contains(d) ? dims[(int)d - 1]![row] : null;
            return new GroupKey(
                period, V(ReportDimension.Affiliate), V(ReportDimension.Offer), V(ReportDimension.Campaign), V(ReportDimension.Sub1), V(ReportDimension.Sub2),
                V(ReportDimension.Sub3), V(ReportDimension.Sub4), V(ReportDimension.Sub5), V(ReportDimension.Country));
        }

        public string? FormatPeriod(long period) => _query.Grain switch
        {
            ReportGrain.Hour => TimeZoneInfo.ConvertTime(new DateTimeOffset(period, TimeSpan.Zero), _zone).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture),
            ReportGrain.Day => DateOnly.FromDayNumber((int)period).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ReportGrain.Month => DateOnly.FromDayNumber((int)period).ToString("yyyy-MM", CultureInfo.InvariantCulture),
            _ => null,
        };

        /// <summary>The query's sort keys, then period and the grouped dimensions ascending (nulls first), as the SQL clients order.</summary>
        public int Compare(KeyValuePair<GroupKey, ReportSums> a, KeyValuePair<GroupKey, ReportSums> b)
        {
            foreach (var key in _sortKeys)
            {
                var c = key.IsPeriod ? a.Key.Period.CompareTo(b.Key.Period)
                    : key.Dimension is { } dimension ? CompareText(a.Key[dimension], b.Key[dimension], descending: false)
                    : a.Value.ValueOf(key.Metric!.Value).CompareTo(b.Value.ValueOf(key.Metric.Value));
                if (c != 0)
                {
                    return key.Descending ? -c : c;
                }
            }

            return 0;
        }

        /// <summary>Ascending puts nulls first, descending last; text compares as UTF-8 bytes (code point order), as SQL engines do.</summary>
        private static int CompareText(string? x, string? y, bool descending)
        {
            if (x is null || y is null)
            {
                return x is null ? (y is null ? 0 : (descending ? 1 : -1)) : (descending ? -1 : 1);
            }

            var c = CompareCodePoints(x, y);
            return descending ? -c : c;
        }

        private static int CompareCodePoints(string x, string y)
        {
            var a = x.EnumerateRunes();
            var b = y.EnumerateRunes();
            while (true)
            {
                var hasA = a.MoveNext();
                var hasB = b.MoveNext();
                if (!hasA || !hasB)
                {
                    return hasA ? 1 : hasB ? -1 : 0;
                }

                var c = a.Current.Value.CompareTo(b.Current.Value);
                if (c != 0)
                {
                    return c;
                }
            }
        }

        private long Bucket(DateOnly localDate) => _query.Grain == ReportGrain.Month
            ? new DateOnly(localDate.Year, localDate.Month, 1).DayNumber
            : localDate.DayNumber;
    }
}
