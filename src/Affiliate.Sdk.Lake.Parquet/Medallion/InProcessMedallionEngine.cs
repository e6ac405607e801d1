using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Affiliate.Sdk.Events;
using Affiliate.Sdk.Medallion;
using Affiliate.Sdk.Offers;
using Affiliate.Sdk.Pipeline;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Affiliate.Sdk.Lake.Parquet.Medallion;

/// <summary>
/// The medallion model in pure .NET over the Parquet lake: reads new bronze files through an <see cref="IBlobStore"/>,
/// merges them into silver and rewrites the gold date partitions that changed, one partition at a time.
/// </summary>
/// <remarks>
/// Memory is bounded by the largest silver day partition of one kind plus every distinct conversion (about 1 % of
/// traffic), never by the whole lake. State lives in the lake (silver itself, and the manifest and click lookup under
/// <see cref="InProcessMedallionOptions.StatePrefix"/>). The manifest is written last, so a run that fails or is
/// cancelled is finished by the next one. Runs of one engine are serialised; run one engine per lake.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage(
    "Design",
    "CA1001:Types that own disposable fields should be disposable",
    Justification = "The run gate is a SemaphoreSlim whose wait handle is never requested, so it holds nothing to dispose.")]
public sealed partial class InProcessMedallionEngine : IMedallionEngine
{
    private const string ClicksTable = "clicks";
    private const string ImpressionsTable = "impressions";

    /// <summary>Manifest version from which every silver traffic partition within the dedup horizon has its index file.</summary>
    private const int IndexedManifestVersion = 2;
    private static readonly IngestionInfo StateIngestion = new("medallion", string.Empty, string.Empty, DateTimeOffset.UnixEpoch);

    private readonly IBlobStore _store;
    private readonly IOfferCatalog _catalog;
    private readonly MedallionOptions _medallion;
    private readonly InProcessMedallionOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly BronzeReader _bronze;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly string _manifestKey;
    private readonly string _pendingKey;
    private readonly string _conversionsKey;
    private readonly string _clickLookupKey;

    /// <summary>Creates an engine over a lake.</summary>
    /// <param name="store">The lake's store (bronze is read from it; silver, gold and state are written to it).</param>
    /// <param name="catalog">Offers: attribution windows and commission rules.</param>
    /// <param name="medallionOptions">Report currency and exchange rates.</param>
    /// <param name="options">Engine settings; defaults when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock (file names); the system clock when <see langword="null"/>.</param>
    /// <param name="logger">Logs runs.</param>
    /// <exception cref="ArgumentException">The options are invalid (the message names the setting).</exception>
    public InProcessMedallionEngine(
        IBlobStore store,
        IOfferCatalog catalog,
        MedallionOptions medallionOptions,
        InProcessMedallionOptions? options = null,
        TimeProvider? timeProvider = null,
        ILogger<InProcessMedallionEngine>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(medallionOptions);
        options ??= new InProcessMedallionOptions();
        var validation = new InProcessMedallionOptionsValidator().Validate(null, options);
        if (validation.Failed)
        {
            throw new ArgumentException(validation.FailureMessage, nameof(options));
        }

        _store = store;
        _catalog = catalog;
        _medallion = medallionOptions;
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _bronze = new BronzeReader(store);
        _manifestKey = options.StatePrefix + "manifest.json";
        _pendingKey = options.StatePrefix + "pending.json";
        _conversionsKey = options.StatePrefix + "conversions.parquet";
        _clickLookupKey = options.StatePrefix + "click-lookup.parquet";
    }

    /// <inheritdoc />
    /// <exception cref="AffiliateSdkException">A bronze or state file cannot be read; the message names it.</exception>
    public async ValueTask<MedallionRunResult> RunAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await RunCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<MedallionRunResult> RunCoreAsync(CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var manifest = await MedallionStateStore.ReadAsync(_store, _manifestKey, MedallionStateJsonContext.Default.MedallionManifest, ct).ConfigureAwait(false)
            ?? new MedallionManifest();
        var leftover = await MedallionStateStore.ReadAsync(_store, _pendingKey, MedallionStateJsonContext.Default.MedallionPending, ct).ConfigureAwait(false);
        if (leftover is not null && !leftover.IsEmpty)
        {
            LogRecovering(_logger, leftover.Traffic.Count, leftover.Conversions.Count, leftover.Gold.Count);
        }

        var processed = new HashSet<string>(manifest.Processed, StringComparer.Ordinal);

        // 1. Which bronze files are new. A compacted file whose sources were all processed holds nothing new.
        var listed = new List<string>();
        await foreach (var item in _bronze.ListEventFilesAsync(ct).ConfigureAwait(false))
        {
            listed.Add(item.Key);
        }

        var newFiles = new List<string>();
        var covered = new List<string>();
        foreach (var key in listed)
        {
            if (processed.Contains(key))
            {
                continue;
            }

            if (_options.MaxBronzeFilesPerRun > 0 && newFiles.Count >= _options.MaxBronzeFilesPerRun)
            {
                break;
            }

            IReadOnlyList<string> sources;
            try
            {
                sources = await _bronze.ReadCompactedFromAsync(key, ct).ConfigureAwait(false);
            }
            catch (FileNotFoundException)
            {
                continue; // Merged away since the listing; the merged file is read in its place.
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not FileNotFoundException and not AffiliateSdkException)
            {
                throw Unreadable(key, ex);
            }

            if (sources.Count > 0 && sources.All(processed.Contains))
            {
                covered.Add(key);
                LogCompactedSkipped(_logger, key, sources.Count);
            }
            else
            {
                newFiles.Add(key);
            }
        }

        if (newFiles.Count == 0 && covered.Count == 0 && (leftover is null || leftover.IsEmpty))
        {
            LogNothingNew(_logger);
            return new MedallionRunResult(0, 0, manifest.Freshness, Stopwatch.GetElapsedTime(started));
        }

        var run = new RunState(manifest.Freshness);

        // 2. Plan: traffic partitions from the file keys; conversions are read whole (about 1 % of events).
        var traffic = new SortedDictionary<(string Table, DateOnly Date), List<string>>();
        var conversionFiles = new List<string>();
        var unplaced = new List<string>();
        foreach (var key in newFiles)
        {
            if (!TryParseBronzeKey(key, out var kind, out var date))
            {
                unplaced.Add(key);
            }
            else if (kind == EventKind.Conversion)
            {
                conversionFiles.Add(key);
            }
            else
            {
                var table = kind == EventKind.Click ? ClicksTable : ImpressionsTable;
                if (!traffic.TryGetValue((table, date), out var files))
                {
                    traffic[(table, date)] = files = [];
                }

                files.Add(key);
            }
        }

        var pending = new MedallionPending();
        if (leftover is not null)
        {
            pending.UnionWith(leftover);
            foreach (var partition in leftover.Traffic)
            {
                var (table, date) = ParseTrafficPartition(partition);
                if (!traffic.ContainsKey((table, date)))
                {
                    traffic[(table, date)] = [];
                }
            }
        }

        // Conversions: the state holds every distinct conversion event; new ones merge in by event id.
        var conversions = new Dictionary<Guid, TrackingEvent>();
        await foreach (var row in ReadStateRowsAsync(_conversionsKey, ct).ConfigureAwait(false))
        {
            AddSurvivor(conversions, row.Event);
        }

        var oldReferences = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in conversions.Values)
        {
            if (c.ClickId is not null)
            {
                oldReferences.Add(c.ClickId);
            }
        }

        foreach (var key in conversionFiles)
        {
            await foreach (var record in ReadBronzeAsync(key, run, ct).ConfigureAwait(false))
            {
                Route(record, key, conversions, run, expected: null);
            }
        }

        // Files outside the layout: every row is routed by its own kind and date.
        foreach (var key in unplaced)
        {
            await foreach (var record in ReadBronzeAsync(key, run, ct).ConfigureAwait(false))
            {
                Route(record, key, conversions, run, expected: null);
            }
        }

        var references = new HashSet<string>(oldReferences, StringComparer.Ordinal);
        foreach (var c in conversions.Values)
        {
            if (c.ClickId is not null)
            {
                references.Add(c.ClickId);
            }
        }

        var clickLookup = new Dictionary<string, TrackingEvent>(StringComparer.Ordinal);
        await foreach (var row in ReadStateRowsAsync(_clickLookupKey, ct).ConfigureAwait(false))
        {
            if (row.Event.ClickId is { } id && (!clickLookup.TryGetValue(id, out var kept) || MedallionRules.SurvivorOrder.Compare(row.Event, kept) < 0))
            {
                clickLookup[id] = row.Event;
            }
        }

        foreach (var (table, date) in traffic.Keys)
        {
            pending.Traffic.Add(TrafficPartition(table, date));
            pending.Gold.Add(DateText(date));
        }

        foreach (var (table, date) in run.Misplaced.Keys)
        {
            pending.Traffic.Add(TrafficPartition(table, date));
            pending.Gold.Add(DateText(date));
        }

        await MedallionStateStore.WriteAsync(_store, _pendingKey, pending, MedallionStateJsonContext.Default.MedallionPending, ct).ConfigureAwait(false);

        // 3. Silver traffic, one (table, date) partition at a time.
        var merged = new HashSet<(string, DateOnly)>();
        var invalidated = new HashSet<string>(StringComparer.Ordinal);
        foreach (var ((table, date), files) in traffic)
        {
            ct.ThrowIfCancellationRequested();
            await MergeTrafficAsync(table, date, files, conversions, run, references, clickLookup, invalidated, ct).ConfigureAwait(false);
            merged.Add((table, date));
        }

        // Rows found in a file of another partition (or outside the layout) are merged into their own partition.
        while (run.Misplaced.Count > 0)
        {
            var ((table, date), _) = run.Misplaced.First();
            if (!pending.Traffic.Contains(TrafficPartition(table, date)))
            {
                pending.Traffic.Add(TrafficPartition(table, date));
                pending.Gold.Add(DateText(date));
                await MedallionStateStore.WriteAsync(_store, _pendingKey, pending, MedallionStateJsonContext.Default.MedallionPending, ct).ConfigureAwait(false);
            }

            await MergeTrafficAsync(table, date, [], conversions, run, references, clickLookup, invalidated, ct).ConfigureAwait(false);
            merged.Add((table, date));
        }

        // 3b. Duplicates whose copies are in different partitions (another UTC date, or the other traffic kind).
        if (merged.Count > 0 || manifest.Version < IndexedManifestVersion)
        {
            await DropCrossPartitionDuplicatesAsync(manifest, pending, run.Freshness, references, invalidated, ct).ConfigureAwait(false);
        }

        // 4. Resolve click ids that conversions reference for the first time (their click may be in older silver).
        var lateReferences = new HashSet<string>(invalidated, StringComparer.Ordinal);
        var newReferences = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in conversions.Values)
        {
            if (c.ClickId is { } id && !oldReferences.Contains(id))
            {
                if (references.Contains(id))
                {
                    newReferences.Add(id);
                }
                else
                {
                    lateReferences.Add(id);
                }
            }
        }

        foreach (var id in lateReferences)
        {
            clickLookup.Remove(id);
        }

        if (newReferences.Count > 0 || lateReferences.Count > 0)
        {
            await ScanClicksAsync(newReferences, lateReferences, merged, clickLookup, ct).ConfigureAwait(false);
        }

        // 5. Attribution of every conversion, and what changed in silver_conversions.
        var current = Attribute(conversions, clickLookup);
        var previous = new Dictionary<Guid, ConversionRow>();
        await foreach (var item in _store.ListAsync(SilverConversionsParquet.TablePrefix, ct).ConfigureAwait(false))
        {
            if (BronzeLayout.IsDataFile(item.Key))
            {
                foreach (var row in await ReadSilverConversionsAsync(item.Key, ct).ConfigureAwait(false))
                {
                    previous[row.EventId] = row;
                }
            }
        }

        foreach (var (id, now) in current)
        {
            previous.TryGetValue(id, out var before);
            Changed(before, now, pending);
        }

        foreach (var (id, before) in previous)
        {
            if (!current.ContainsKey(id))
            {
                Changed(before, null, pending);
            }
        }

        await MedallionStateStore.WriteAsync(_store, _pendingKey, pending, MedallionStateJsonContext.Default.MedallionPending, ct).ConfigureAwait(false);

        // 6. State: click lookup first (the conversions state says which click ids it resolves), then conversions.
        var lookupRows = new List<BronzeRecord>();
        foreach (var id in references)
        {
            if (clickLookup.TryGetValue(id, out var click))
            {
                lookupRows.Add(new BronzeRecord(click, StateIngestion));
            }
        }

        // Without new bronze rows neither can have changed (a resumed run still has its bronze files to read).
        if (newFiles.Count > run.Vanished.Count)
        {
            lookupRows.Sort(static (a, b) => string.CompareOrdinal(a.Event.ClickId, b.Event.ClickId));
            await WriteEventsFileAsync(_clickLookupKey, lookupRows, "medallion_click_lookup/1", ct).ConfigureAwait(false);
            var conversionRows = conversions.Values.OrderBy(e => e.EventId).Select(e => new BronzeRecord(e, StateIngestion)).ToList();
            await WriteEventsFileAsync(_conversionsKey, conversionRows, "medallion_conversions/1", ct).ConfigureAwait(false);
        }

        // 7. silver_conversions partitions that changed.
        var byDate = current.Values.GroupBy(r => r.Date).ToDictionary(g => g.Key, g => g.OrderBy(r => r.EventId).ToList());
        foreach (var text in pending.Conversions)
        {
            var date = ParseDate(text);
            var rows = byDate.TryGetValue(date, out var list) ? list : [];
            await ReplacePartitionAsync(
                SilverConversionsParquet.PartitionPrefix(date),
                rows.Count == 0 ? null : stream => SilverConversionsParquet.WriteAsync(stream, rows, _medallion.ReportCurrency, ct),
                ct).ConfigureAwait(false);
        }

        // 8. Gold for every date whose silver changed.
        foreach (var text in pending.Gold)
        {
            ct.ThrowIfCancellationRequested();
            var date = ParseDate(text);
            await WriteGoldAsync(date, byDate.TryGetValue(date, out var rows) ? rows : [], ct).ConfigureAwait(false);
        }

        // 9. Commit: the manifest, then the pending note goes.
        var listedSet = new HashSet<string>(listed, StringComparer.Ordinal);
        var nextProcessed = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var key in manifest.Processed)
        {
            if (listedSet.Contains(key))
            {
                nextProcessed.Add(key);
            }
        }

        foreach (var key in newFiles.Concat(covered))
        {
            if (!run.Vanished.Contains(key))
            {
                nextProcessed.Add(key);
            }
        }

        var next = new MedallionManifest { Version = IndexedManifestVersion, Processed = [.. nextProcessed], Freshness = run.Freshness, Runs = manifest.Runs + 1 };
        await MedallionStateStore.WriteAsync(_store, _manifestKey, next, MedallionStateJsonContext.Default.MedallionManifest, ct).ConfigureAwait(false);
        await _store.DeleteAsync(_pendingKey, CancellationToken.None).ConfigureAwait(false);

        var elapsed = Stopwatch.GetElapsedTime(started);
        var goldPartitions = pending.Gold.Count * 2;
        LogRunCompleted(_logger, newFiles.Count - run.Vanished.Count, covered.Count, pending.Traffic.Count, pending.Conversions.Count, goldPartitions, elapsed.TotalMilliseconds);
        return new MedallionRunResult(newFiles.Count - run.Vanished.Count + covered.Count, goldPartitions, run.Freshness, elapsed);
    }

    private static void Changed(ConversionRow? before, ConversionRow? now, MedallionPending pending)
    {
        if (Equals(before, now))
        {
            return;
        }

        foreach (var row in new[] { before, now })
        {
            if (row is null)
            {
                continue;
            }

            pending.Conversions.Add(DateText(row.Date));
            if (row.Dims is not null)
            {
                pending.Gold.Add(DateText(row.Date));
            }
        }
    }

    /// <summary>The reference model's attribution and conversion deduplication, over every distinct conversion.</summary>
    private Dictionary<Guid, ConversionRow> Attribute(Dictionary<Guid, TrackingEvent> conversions, Dictionary<string, TrackingEvent> clickLookup)
    {
        var survivors = new Dictionary<(string? Offer, string Key), (TrackingEvent Conversion, TrackingEvent? Click, Offer? Offer, string? Reason)>();
        foreach (var conversion in conversions.Values)
        {
            TrackingEvent? click = null;
            if (conversion.ClickId is not null)
            {
                clickLookup.TryGetValue(conversion.ClickId, out click);
            }

            var reason = MedallionRules.Attribute(conversion, click, _catalog, out var offer);
            var offerId = reason is null ? click!.OfferId : conversion.OfferId;
            var dedupKey = conversion.TransactionId is { } txn ? (offerId, "t:" + txn) : (offerId, "e:" + conversion.EventId.ToString("D"));
            if (!survivors.TryGetValue(dedupKey, out var kept) || MedallionRules.SurvivorOrder.Compare(conversion, kept.Conversion) < 0)
            {
                survivors[dedupKey] = (conversion, reason is null ? click : null, offer, reason);
            }
        }

        var rows = new Dictionary<Guid, ConversionRow>(survivors.Count);
        foreach (var (conversion, click, offer, reason) in survivors.Values)
        {
            var status = conversion.Status ?? ConversionStatus.Approved;
            if (reason is not null)
            {
                rows[conversion.EventId] = new ConversionRow(
                    conversion.EventId, conversion.OccurredAt, conversion.ClickId, conversion.TransactionId, conversion.OfferId, null, null, status, 0m, 0m, reason);
                continue;
            }

            var dims = new GoldKey(
                MedallionReference.PeriodOf(conversion.OccurredAt, GoldGrain.Hour),
                click!.AffiliateId, click.OfferId, click.CampaignId, click.Sub1, click.Sub2, click.Sub3, click.Sub4, click.Sub5, click.Country);
            var hasMoney = MedallionRules.TryComputeMoney(offer!, conversion.SaleAmount, _medallion, out var revenue, out var payout);
            rows[conversion.EventId] = new ConversionRow(
                conversion.EventId, conversion.OccurredAt, conversion.ClickId, conversion.TransactionId, click.OfferId, click.EventId, dims, status, revenue, payout,
                hasMoney ? null : UnattributedReason.NoExchangeRate);
        }

        return rows;
    }

    private async Task MergeTrafficAsync(
        string table,
        DateOnly date,
        List<string> files,
        Dictionary<Guid, TrackingEvent> conversions,
        RunState run,
        HashSet<string> references,
        Dictionary<string, TrackingEvent> clickLookup,
        HashSet<string> invalidated,
        CancellationToken ct)
    {
        var prefix = TrafficPrefix(table, date);
        var existing = new List<string>();
        var byId = new Dictionary<Guid, BronzeRecord>();
        await foreach (var item in _store.ListAsync(prefix, ct).ConfigureAwait(false))
        {
            if (!BronzeLayout.IsDataFile(item.Key))
            {
                continue;
            }

            existing.Add(item.Key);
            await foreach (var row in ReadLakeFileAsync(item.Key, ct).ConfigureAwait(false))
            {
                if (!byId.TryGetValue(row.Event.EventId, out var kept) || MedallionRules.SurvivorOrder.Compare(row.Event, kept.Event) < 0)
                {
                    byId[row.Event.EventId] = row;
                }
            }
        }

        var kind = table == ClicksTable ? EventKind.Click : EventKind.Impression;
        void Merge(BronzeRecord record)
        {
            if (!byId.TryGetValue(record.Event.EventId, out var kept))
            {
                byId[record.Event.EventId] = record;
                return;
            }

            if (MedallionRules.SurvivorOrder.Compare(record.Event, kept.Event) >= 0)
            {
                return;
            }

            byId[record.Event.EventId] = record;

            // A better duplicate with another click id: the lookup may point at the row it replaces.
            if (kept.Event.ClickId is { } oldId && !string.Equals(oldId, record.Event.ClickId, StringComparison.Ordinal)
                && clickLookup.TryGetValue(oldId, out var looked) && looked.EventId == kept.Event.EventId)
            {
                invalidated.Add(oldId);
            }
        }

        foreach (var key in files)
        {
            await foreach (var record in ReadBronzeAsync(key, run, ct).ConfigureAwait(false))
            {
                if (record.Event.Kind == kind && DateOf(record.Event.OccurredAt) == date)
                {
                    Merge(record);
                }
                else
                {
                    Route(record, key, conversions, run, expected: (table, date));
                }
            }
        }

        if (run.Misplaced.Remove((table, date), out var misplaced))
        {
            foreach (var record in misplaced)
            {
                Merge(record);
            }
        }

        var rows = byId.Values.ToList();
        byId.Clear();
        rows.Sort(static (a, b) => a.Event.EventId.CompareTo(b.Event.EventId));
        if (kind == EventKind.Click)
        {
            foreach (var row in rows)
            {
                if (row.Event.ClickId is { } id && references.Contains(id)
                    && (!clickLookup.TryGetValue(id, out var kept) || MedallionRules.SurvivorOrder.Compare(row.Event, kept) < 0))
                {
                    clickLookup[id] = row.Event;
                }
            }
        }

        await WriteTrafficPartitionAsync(table, date, rows, ct).ConfigureAwait(false);
    }

    /// <summary>Replaces a silver traffic partition with rows sorted by event id, then its dedup index file.</summary>
    private async Task WriteTrafficPartitionAsync(string table, DateOnly date, List<BronzeRecord> rows, CancellationToken ct)
    {
        var schema = table == ClicksTable ? "silver_clicks/1" : "silver_impressions/1";
        await ReplacePartitionAsync(
            TrafficPrefix(table, date),
            rows.Count == 0 ? null : stream => BronzeParquet.WriteEventsAsync(stream, rows, 0, rows.Count, _options.RowGroupRows, SchemaMetadata(schema), ct),
            ct).ConfigureAwait(false);
        await WriteIndexAsync(table, date, rows, ct).ConfigureAwait(false);
    }

    private async Task WriteIndexAsync(string table, DateOnly date, List<BronzeRecord> sortedRows, CancellationToken ct)
    {
        var key = EventIndex.Key(_options.StatePrefix, table, date);
        if (sortedRows.Count == 0)
        {
            await _store.DeleteAsync(key, ct).ConfigureAwait(false);
            return;
        }

        var upload = await _store.StartUploadAsync(key, ct).ConfigureAwait(false);
        await using (upload.ConfigureAwait(false))
        {
            await EventIndex.WriteAsync(
                upload.Content,
                sortedRows.Select(r => new EventIndexEntry(r.Event.EventId, r.Event.OccurredAt.UtcTicks, r.Event.ReceivedAt.UtcTicks)),
                ct).ConfigureAwait(false);
            await upload.CommitAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Global deduplication of traffic by event id: silver partitions dedup within themselves, so a duplicate whose copy
    /// landed on another UTC date (or is of the other traffic kind) is found here, by one merge of the dedup index files
    /// within <see cref="InProcessMedallionOptions.DedupHorizon"/> of the freshness. Every copy but the survivor is removed
    /// from its partition, and the partition's gold date is rewritten.
    /// </summary>
    private async Task DropCrossPartitionDuplicatesAsync(
        MedallionManifest manifest,
        MedallionPending pending,
        DateTimeOffset? freshness,
        HashSet<string> references,
        HashSet<string> invalidated,
        CancellationToken ct)
    {
        var cutoff = freshness is { } f && f.UtcDateTime.Ticks > _options.DedupHorizon.Ticks
            ? DateOf(f - _options.DedupHorizon)
            : DateOnly.MinValue;
        var indexed = new SortedDictionary<(string Table, DateOnly Date), string>();
        var stale = new List<string>();
        await foreach (var item in _store.ListAsync(EventIndex.Folder(_options.StatePrefix), ct).ConfigureAwait(false))
        {
            if (EventIndex.TryParseKey(_options.StatePrefix, item.Key, out var table, out var date))
            {
                if (date < cutoff)
                {
                    stale.Add(item.Key);
                }
                else
                {
                    indexed[(table, date)] = item.Key;
                }
            }
        }

        // A lake whose silver predates the index: index its partitions within the horizon once.
        if (manifest.Version < IndexedManifestVersion)
        {
            foreach (var table in new[] { ClicksTable, ImpressionsTable })
            {
                var dates = new SortedSet<DateOnly>();
                await foreach (var item in _store.ListAsync("silver/" + table + "/", ct).ConfigureAwait(false))
                {
                    if (BronzeLayout.IsDataFile(item.Key) && TryParseDateFolder(item.Key, out var date) && date >= cutoff && !indexed.ContainsKey((table, date)))
                    {
                        dates.Add(date);
                    }
                }

                foreach (var date in dates)
                {
                    var rows = await ReadTrafficPartitionAsync(table, date, ct).ConfigureAwait(false);
                    await WriteIndexAsync(table, date, rows, ct).ConfigureAwait(false);
                    indexed[(table, date)] = EventIndex.Key(_options.StatePrefix, table, date);
                }
            }
        }

        var partitions = indexed.Keys.ToList();
        var sources = partitions.Select(p => EventIndex.ReadAsync(_store, indexed[p], ct)).ToList();
        var drops = new SortedDictionary<(string Table, DateOnly Date), HashSet<Guid>>();
        await foreach (var holders in EventIndex.FindSharedAsync(sources, ct).ConfigureAwait(false))
        {
            // The survivor: earliest occurred_at, then received_at; copies equal on both go to the first partition.
            var winner = holders[0];
            foreach (var h in holders)
            {
                var c = h.Entry.OccurredTicks.CompareTo(winner.Entry.OccurredTicks);
                if (c < 0 || (c == 0 && (h.Entry.ReceivedTicks < winner.Entry.ReceivedTicks
                    || (h.Entry.ReceivedTicks == winner.Entry.ReceivedTicks && h.Source < winner.Source))))
                {
                    winner = h;
                }
            }

            foreach (var h in holders)
            {
                if (h.Source != winner.Source)
                {
                    var partition = partitions[h.Source];
                    if (!drops.TryGetValue(partition, out var ids))
                    {
                        drops[partition] = ids = [];
                    }

                    ids.Add(h.Entry.EventId);
                }
            }
        }

        if (drops.Count > 0)
        {
            foreach (var (table, date) in drops.Keys)
            {
                pending.Traffic.Add(TrafficPartition(table, date));
                pending.Gold.Add(DateText(date));
            }

            await MedallionStateStore.WriteAsync(_store, _pendingKey, pending, MedallionStateJsonContext.Default.MedallionPending, ct).ConfigureAwait(false);
            foreach (var ((table, date), ids) in drops)
            {
                var rows = await ReadTrafficPartitionAsync(table, date, ct).ConfigureAwait(false);
                var kept = new List<BronzeRecord>(rows.Count);
                foreach (var row in rows)
                {
                    if (!ids.Contains(row.Event.EventId))
                    {
                        kept.Add(row);
                    }
                    else if (row.Event.ClickId is { } clickId && references.Contains(clickId))
                    {
                        invalidated.Add(clickId); // Its conversions look for their click again.
                    }
                }

                LogCrossPartitionDuplicates(_logger, ids.Count, table, date);
                await WriteTrafficPartitionAsync(table, date, kept, ct).ConfigureAwait(false);
            }
        }

        foreach (var key in stale)
        {
            await _store.DeleteAsync(key, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Every survivor of a silver traffic partition, sorted by event id.</summary>
    private async Task<List<BronzeRecord>> ReadTrafficPartitionAsync(string table, DateOnly date, CancellationToken ct)
    {
        var byId = new Dictionary<Guid, BronzeRecord>();
        await foreach (var item in _store.ListAsync(TrafficPrefix(table, date), ct).ConfigureAwait(false))
        {
            if (!BronzeLayout.IsDataFile(item.Key))
            {
                continue;
            }

            await foreach (var row in ReadLakeFileAsync(item.Key, ct).ConfigureAwait(false))
            {
                if (!byId.TryGetValue(row.Event.EventId, out var kept) || MedallionRules.SurvivorOrder.Compare(row.Event, kept.Event) < 0)
                {
                    byId[row.Event.EventId] = row;
                }
            }
        }

        var rows = byId.Values.ToList();
        rows.Sort(static (a, b) => a.Event.EventId.CompareTo(b.Event.EventId));
        return rows;
    }

    /// <summary>Finds the survivor click of click ids in silver partitions not merged in this run (and in all of them for late ids).</summary>
    private async Task ScanClicksAsync(
        HashSet<string> newReferences,
        HashSet<string> lateReferences,
        HashSet<(string, DateOnly)> merged,
        Dictionary<string, TrackingEvent> clickLookup,
        CancellationToken ct)
    {
        LogClickScan(_logger, newReferences.Count, lateReferences.Count);
        await foreach (var item in _store.ListAsync("silver/" + ClicksTable + "/", ct).ConfigureAwait(false))
        {
            if (!BronzeLayout.IsDataFile(item.Key))
            {
                continue;
            }

            var wasMerged = TryParseDateFolder(item.Key, out var date) && merged.Contains((ClicksTable, date));
            if (wasMerged && lateReferences.Count == 0)
            {
                continue;
            }

            var stream = await OpenSeekableAsync(item.Key, ct).ConfigureAwait(false);
            if (stream is null)
            {
                continue;
            }

            await using (stream.ConfigureAwait(false))
            {
                try
                {
                    Func<string, bool> wanted = wasMerged ? lateReferences.Contains : id => lateReferences.Contains(id) || newReferences.Contains(id);
                    await foreach (var click in SilverTrafficColumns.ReadClicksAsync(stream, wanted, ct).ConfigureAwait(false))
                    {
                        var id = click.ClickId!;
                        if (!clickLookup.TryGetValue(id, out var kept) || MedallionRules.SurvivorOrder.Compare(click, kept) < 0)
                        {
                            clickLookup[id] = click;
                        }
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException and not AffiliateSdkException)
                {
                    throw Unreadable(item.Key, ex);
                }
            }
        }
    }

    private async Task WriteGoldAsync(DateOnly date, List<ConversionRow> conversionRows, CancellationToken ct)
    {
        var hourly = new Dictionary<DimKey, Accumulator>();
        var daily = new Dictionary<DimKey, Accumulator>();
        foreach (var table in new[] { ImpressionsTable, ClicksTable })
        {
            var impressions = table == ImpressionsTable;
            await foreach (var item in _store.ListAsync(TrafficPrefix(table, date), ct).ConfigureAwait(false))
            {
                if (!BronzeLayout.IsDataFile(item.Key))
                {
                    continue;
                }

                var stream = await OpenSeekableAsync(item.Key, ct).ConfigureAwait(false);
                if (stream is null)
                {
                    continue;
                }

                await using (stream.ConfigureAwait(false))
                {
                    try
                    {
                        await foreach (var batch in SilverTrafficColumns.ReadForGoldAsync(stream, ct).ConfigureAwait(false))
                        {
                            Aggregate(batch, impressions, hourly, daily);
                        }
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException and not AffiliateSdkException)
                    {
                        throw Unreadable(item.Key, ex);
                    }
                }
            }
        }

        foreach (var c in conversionRows)
        {
            if (c.Dims is not { } dims)
            {
                continue;
            }

            Acc(hourly, DimKey.Of(dims, dims.Period.UtcTicks)).AddConversion(c);
            Acc(daily, DimKey.Of(dims, MedallionReference.PeriodOf(c.OccurredAt, GoldGrain.Day).UtcTicks)).AddConversion(c);
        }

        await WriteGoldPartitionAsync(GoldGrain.Hour, date, hourly, ct).ConfigureAwait(false);
        await WriteGoldPartitionAsync(GoldGrain.Day, date, daily, ct).ConfigureAwait(false);
    }

    private static void Aggregate(TrafficBatch batch, bool impressions, Dictionary<DimKey, Accumulator> hourly, Dictionary<DimKey, Accumulator> daily)
    {
        var d = batch.Dims;
        for (var i = 0; i < batch.Count; i++)
        {
            var ticks = batch.OccurredAt[i].Ticks;
            var hour = Acc(hourly, new DimKey(ticks - (ticks % TimeSpan.TicksPerHour), d[0][i], d[1][i], d[2][i], d[3][i], d[4][i], d[5][i], d[6][i], d[7][i], d[8][i]));
            var day = Acc(daily, new DimKey(ticks - (ticks % TimeSpan.TicksPerDay), d[0][i], d[1][i], d[2][i], d[3][i], d[4][i], d[5][i], d[6][i], d[7][i], d[8][i]));
            if (impressions)
            {
                hour.Impressions++;
                day.Impressions++;
            }
            else if (batch.IsBot[i])
            {
                hour.BotClicks++;
                day.BotClicks++;
            }
            else
            {
                // The reference's visitor key, built once per click (see MedallionRules.VisitorKey).
                var visitor = string.Concat(batch.IpHash[i] ?? string.Empty, "|", batch.UserAgent[i] ?? string.Empty);
                hour.AddClick(visitor);
                day.AddClick(visitor);
            }
        }
    }

    private async Task WriteGoldPartitionAsync(GoldGrain grain, DateOnly date, Dictionary<DimKey, Accumulator> rows, CancellationToken ct)
    {
        var list = new List<KeyValuePair<GoldKey, GoldMetrics>>(rows.Count);
        foreach (var (key, acc) in rows)
        {
            list.Add(new(key.ToGoldKey(), acc.ToMetrics()));
        }

        list.Sort(static (a, b) => CompareKeys(a.Key, b.Key));
        var schema = grain == GoldGrain.Hour ? "gold_hourly/1" : "gold_daily/1";
        await ReplacePartitionAsync(
            GoldParquet.PartitionPrefix(grain, date),
            list.Count == 0 ? null : stream => GoldParquet.WriteAsync(stream, list, _options.RowGroupRows, schema, ct),
            ct).ConfigureAwait(false);
    }

    /// <summary>Writes a partition's new file (when there are rows), then deletes every other file of the partition.</summary>
    private async Task ReplacePartitionAsync(string prefix, Func<Stream, Task>? write, CancellationToken ct)
    {
        var old = new List<string>();
        await foreach (var item in _store.ListAsync(prefix, ct).ConfigureAwait(false))
        {
            old.Add(item.Key);
        }

        string? written = null;
        if (write is not null)
        {
            written = prefix + BronzeLayout.NewFileName(_time.GetUtcNow());
            var upload = await _store.StartUploadAsync(written, ct).ConfigureAwait(false);
            await using (upload.ConfigureAwait(false))
            {
                await WriteSeekableAsync(upload.Content, write, ct).ConfigureAwait(false);
                await upload.CommitAsync(ct).ConfigureAwait(false);
            }
        }

        foreach (var key in old)
        {
            if (!string.Equals(key, written, StringComparison.Ordinal))
            {
                await _store.DeleteAsync(key, ct).ConfigureAwait(false);
            }
        }
    }

    private async Task WriteEventsFileAsync(string key, List<BronzeRecord> rows, string schema, CancellationToken ct)
    {
        var upload = await _store.StartUploadAsync(key, ct).ConfigureAwait(false);
        await using (upload.ConfigureAwait(false))
        {
            await WriteSeekableAsync(
                upload.Content,
                stream => BronzeParquet.WriteEventsAsync(stream, rows, 0, rows.Count, _options.RowGroupRows, SchemaMetadata(schema), ct),
                ct).ConfigureAwait(false);
            await upload.CommitAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs a Parquet write against an upload's content. Event files patch their footer after writing it (seek and read
    /// back), so stores with forward-only uploads (S3) get the file written to a buffer, then copied.
    /// </summary>
    private static async Task WriteSeekableAsync(Stream content, Func<Stream, Task> write, CancellationToken ct)
    {
        if (content is { CanSeek: true, CanRead: true })
        {
            await write(content).ConfigureAwait(false);
            return;
        }

        using var buffer = new MemoryStream();
        await write(buffer).ConfigureAwait(false);
        buffer.Position = 0;
        await buffer.CopyToAsync(content, ct).ConfigureAwait(false);
    }

    private void Route(BronzeRecord record, string key, Dictionary<Guid, TrackingEvent> conversions, RunState run, (string Table, DateOnly Date)? expected)
    {
        var e = record.Event;
        if (e.Kind == EventKind.Conversion)
        {
            if (expected is not null && run.MisplacedFiles.Add(key))
            {
                // A conversion in a traffic file: its click id is resolved by the late scan.
                LogMisplacedRow(_logger, key, e.EventId);
            }

            AddSurvivor(conversions, e);
            return;
        }

        var partition = (e.Kind == EventKind.Click ? ClicksTable : ImpressionsTable, DateOf(e.OccurredAt));
        if (expected is not null && run.MisplacedFiles.Add(key))
        {
            LogMisplacedRow(_logger, key, e.EventId);
        }

        if (!run.Misplaced.TryGetValue(partition, out var list))
        {
            run.Misplaced[partition] = list = [];
        }

        list.Add(record);
    }

    private static void AddSurvivor(Dictionary<Guid, TrackingEvent> events, TrackingEvent e)
    {
        if (!events.TryGetValue(e.EventId, out var kept) || MedallionRules.SurvivorOrder.Compare(e, kept) < 0)
        {
            events[e.EventId] = e;
        }
    }

    private async IAsyncEnumerable<BronzeRecord> ReadBronzeAsync(string key, RunState run, [EnumeratorCancellation] CancellationToken ct)
    {
        var rows = _bronze.ReadEventFileAsync(key, ct).GetAsyncEnumerator(ct);
        await using var scope = rows.ConfigureAwait(false);
        while (true)
        {
            try
            {
                if (!await rows.MoveNextAsync().ConfigureAwait(false))
                {
                    yield break;
                }
            }
            catch (FileNotFoundException) when (!run.Started.Contains(key))
            {
                // Merged away by compaction since the listing: the merged file is read next run in its place.
                run.Vanished.Add(key);
                yield break;
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not FileNotFoundException and not AffiliateSdkException)
            {
                throw Unreadable(key, ex);
            }

            run.Started.Add(key);
            var record = rows.Current;
            if (run.Freshness is null || record.Event.OccurredAt > run.Freshness)
            {
                run.Freshness = record.Event.OccurredAt;
            }

            yield return record;
        }
    }

    private async IAsyncEnumerable<BronzeRecord> ReadStateRowsAsync(string key, [EnumeratorCancellation] CancellationToken ct)
    {
        var stream = await OpenSeekableAsync(key, ct).ConfigureAwait(false);
        if (stream is null)
        {
            yield break;
        }

        await using var scope = stream.ConfigureAwait(false);
        await foreach (var group in ReadGroupsAsync(key, stream, ct).ConfigureAwait(false))
        {
            foreach (var row in group)
            {
                yield return row;
            }
        }
    }

    /// <summary>Reads a silver traffic file, row group by row group.</summary>
    private async IAsyncEnumerable<BronzeRecord> ReadLakeFileAsync(string key, [EnumeratorCancellation] CancellationToken ct)
    {
        var stream = await OpenSeekableAsync(key, ct).ConfigureAwait(false);
        if (stream is null)
        {
            yield break; // Replaced meanwhile by this engine's own rewrite; runs are serialised, so only after a crash.
        }

        await using var scope = stream.ConfigureAwait(false);
        await foreach (var group in ReadGroupsAsync(key, stream, ct).ConfigureAwait(false))
        {
            foreach (var row in group)
            {
                yield return row;
            }
        }
    }

    private static async IAsyncEnumerable<List<BronzeRecord>> ReadGroupsAsync(string key, Stream stream, [EnumeratorCancellation] CancellationToken ct)
    {
        var groups = BronzeParquet.ReadEventsAsync(stream, ct).GetAsyncEnumerator(ct);
        await using var scope = groups.ConfigureAwait(false);
        while (true)
        {
            try
            {
                if (!await groups.MoveNextAsync().ConfigureAwait(false))
                {
                    yield break;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not FileNotFoundException and not AffiliateSdkException)
            {
                throw Unreadable(key, ex);
            }

            yield return groups.Current;
        }
    }

    private async Task<List<ConversionRow>> ReadSilverConversionsAsync(string key, CancellationToken ct)
    {
        var stream = await OpenSeekableAsync(key, ct).ConfigureAwait(false);
        if (stream is null)
        {
            return [];
        }

        await using (stream.ConfigureAwait(false))
        {
            try
            {
                return await SilverConversionsParquet.ReadAsync(stream, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not FileNotFoundException and not AffiliateSdkException)
            {
                throw Unreadable(key, ex);
            }
        }
    }

    private async Task<Stream?> OpenSeekableAsync(string key, CancellationToken ct)
    {
        var stream = await _store.OpenReadAsync(key, ct).ConfigureAwait(false);
        if (stream is null || stream.CanSeek)
        {
            return stream;
        }

        await using (stream.ConfigureAwait(false))
        {
            var copy = new MemoryStream();
            await stream.CopyToAsync(copy, ct).ConfigureAwait(false);
            copy.Position = 0;
            return copy;
        }
    }

    // Parquet.Net reports a corrupt file as a plain IOException, indistinguishable from a transient read error: retryable.
    private static AffiliateSdkException Unreadable(string key, Exception ex) =>
        new($"Lake file '{key}' could not be read by the medallion engine: {ex.Message}", isRetryable: ex is IOException, ex);

    private static Dictionary<string, string> SchemaMetadata(string schema) => new(StringComparer.Ordinal) { [BronzeSchema.SchemaKey] = schema };

    private static Accumulator Acc(Dictionary<DimKey, Accumulator> rows, DimKey key)
    {
        ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(rows, key, out _);
        return slot ??= new Accumulator();
    }

    private static int CompareKeys(GoldKey a, GoldKey b)
    {
        var c = a.Period.UtcTicks.CompareTo(b.Period.UtcTicks);
        if (c != 0)
        {
            return c;
        }

        string?[] x = [a.AffiliateId, a.OfferId, a.CampaignId, a.Sub1, a.Sub2, a.Sub3, a.Sub4, a.Sub5, a.Country];
        string?[] y = [b.AffiliateId, b.OfferId, b.CampaignId, b.Sub1, b.Sub2, b.Sub3, b.Sub4, b.Sub5, b.Country];
        for (var i = 0; i < x.Length; i++)
        {
            c = string.CompareOrdinal(x[i], y[i]);
            if (c != 0)
            {
                return c;
            }
        }

        return 0;
    }

    private static DateOnly DateOf(DateTimeOffset at) => DateOnly.FromDateTime(at.UtcDateTime);

    private static string DateText(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static DateOnly ParseDate(string text) => DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string TrafficPrefix(string table, DateOnly date) => $"silver/{table}/dt={DateText(date)}/";

    private static string TrafficPartition(string table, DateOnly date) => $"{table}/{DateText(date)}";

    private static (string Table, DateOnly Date) ParseTrafficPartition(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var table = slash > 0 ? text[..slash] : string.Empty;
        if (table is not (ClicksTable or ImpressionsTable) || !DateOnly.TryParseExact(text[(slash + 1)..], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            throw new AffiliateSdkException($"Medallion pending state names an unknown silver partition '{text}'.", isRetryable: false);
        }

        return (table, date);
    }

    /// <summary>Reads <c>kind=…/dt=…</c> from a bronze key laid out by <see cref="BronzeLayout"/>.</summary>
    private static bool TryParseBronzeKey(string key, out EventKind kind, out DateOnly date)
    {
        kind = default;
        date = default;
        var segments = key.Split('/');
        if (segments.Length < 5 || !TryParseDateSegment(segments[3], out date))
        {
            return false;
        }

        switch (segments[2])
        {
            case "kind=impression":
                kind = EventKind.Impression;
                return true;
            case "kind=click":
                kind = EventKind.Click;
                return true;
            case "kind=conversion":
                kind = EventKind.Conversion;
                return true;
            default:
                return false;
        }
    }

    private static bool TryParseDateFolder(string key, out DateOnly date)
    {
        date = default;
        foreach (var segment in key.Split('/'))
        {
            if (TryParseDateSegment(segment, out date))
            {
                return true;
            }
        }

        return false;
    }

    private static bool TryParseDateSegment(string segment, out DateOnly date)
    {
        date = default;
        return segment.StartsWith("dt=", StringComparison.Ordinal)
            && DateOnly.TryParseExact(segment.AsSpan(3), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Medallion run: no new bronze files; nothing changed")]
    private static partial void LogNothingNew(ILogger logger);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Medallion run resumes an interrupted run: {Traffic} silver traffic partitions, {Conversions} conversion dates, {Gold} gold dates to rewrite")]
    private static partial void LogRecovering(ILogger logger, int traffic, int conversions, int gold);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "Bronze file {Key} compacts {Sources} processed files; skipped")]
    private static partial void LogCompactedSkipped(ILogger logger, string key, int sources);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "Looking up {New} newly referenced and {Late} re-checked click ids in silver clicks")]
    private static partial void LogClickScan(ILogger logger, int @new, int late);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Bronze file {Key} holds events of other partitions (first: {EventId}); they are merged into their own partitions")]
    private static partial void LogMisplacedRow(ILogger logger, string key, Guid eventId);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "Medallion run: {Files} bronze files read, {Covered} compacted files skipped, {Traffic} silver traffic partitions and {Conversions} conversion dates rewritten, {Gold} gold partitions written in {ElapsedMs:F0} ms")]
    private static partial void LogRunCompleted(ILogger logger, int files, int covered, int traffic, int conversions, int gold, double elapsedMs);

    [LoggerMessage(EventId = 7, Level = LogLevel.Debug, Message = "Dropped {Count} events from silver {Table} of {Date}: a copy with the same event id in another partition survives")]
    private static partial void LogCrossPartitionDuplicates(ILogger logger, int count, string table, DateOnly date);

    /// <summary>What one run has read so far.</summary>
    private sealed class RunState(DateTimeOffset? freshness)
    {
        public DateTimeOffset? Freshness { get; set; } = freshness;

        public HashSet<string> Started { get; } = new(StringComparer.Ordinal);

        public HashSet<string> Vanished { get; } = new(StringComparer.Ordinal);

        public HashSet<string> MisplacedFiles { get; } = new(StringComparer.Ordinal);

        public SortedDictionary<(string Table, DateOnly Date), List<BronzeRecord>> Misplaced { get; } = [];
    }

    /// <summary>A gold key without allocation: the period's UTC ticks and the dimensions.</summary>
    private readonly record struct DimKey(
        long PeriodTicks, string? AffiliateId, string? OfferId, string? CampaignId, string? Sub1, string? Sub2, string? Sub3, string? Sub4, string? Sub5, string? Country)
    {
        public static DimKey Of(GoldKey key, long periodTicks) =>
            new(periodTicks, key.AffiliateId, key.OfferId, key.CampaignId, key.Sub1, key.Sub2, key.Sub3, key.Sub4, key.Sub5, key.Country);

        public GoldKey ToGoldKey() =>
            new(new DateTimeOffset(PeriodTicks, TimeSpan.Zero), AffiliateId, OfferId, CampaignId, Sub1, Sub2, Sub3, Sub4, Sub5, Country);
    }

    /// <summary>One gold row being summed.</summary>
    private sealed class Accumulator
    {
        private HashSet<string>? _visitors;

        public long Impressions { get; set; }

        public long Clicks { get; set; }

        public long BotClicks { get; set; }

        public long Conversions { get; set; }

        public long Pending { get; set; }

        public long Rejected { get; set; }

        public decimal Revenue { get; set; }

        public decimal Payout { get; set; }

        public void AddClick(string visitor)
        {
            Clicks++;
            (_visitors ??= new HashSet<string>(StringComparer.Ordinal)).Add(visitor);
        }

        public void AddConversion(ConversionRow c)
        {
            switch (c.Status)
            {
                case ConversionStatus.Approved:
                    Conversions++;
                    Revenue += c.Revenue;
                    Payout += c.Payout;
                    break;
                case ConversionStatus.Pending:
                    Pending++;
                    break;
                default:
                    Rejected++;
                    break;
            }
        }

        public GoldMetrics ToMetrics() =>
            new(Impressions, Clicks, _visitors?.Count ?? 0, BotClicks, Conversions, Pending, Rejected, Revenue, Payout);
    }
}
