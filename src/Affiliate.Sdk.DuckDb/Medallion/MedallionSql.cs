namespace Affiliate.Sdk.DuckDb.Medallion;

/// <summary>
/// The medallion model as DuckDB SQL. Every statement is constant text: values (file lists, run ids, offers, rates)
/// are bound as parameters or loaded into temp tables. The steps mirror <c>MedallionRules</c>; see docs/duckdb.md.
/// </summary>
internal static class MedallionSql
{
    /// <summary>
    /// Periods are computed as integers (UTC hours and days since the epoch) rather than with date_trunc or casts on
    /// TIMESTAMPTZ, which go through ICU and cost several times more per row.
    /// Exact money arithmetic on integers: amounts are micro-units (10^-6) in HUGEINT, rates and commission values are
    /// fractions num/den. <c>medallion_rdiv</c> divides rounding half away from zero, the rounding of <c>MedallionRules.Round</c>;
    /// DuckDB's DECIMAL division would go through DOUBLE.
    /// </summary>
    public const string Macros = """
        CREATE OR REPLACE TEMP MACRO medallion_rdiv(n, d) AS
            CASE WHEN n >= 0 THEN (2 * n + d) // (2 * d) ELSE -((2 * (-n) + d) // (2 * d)) END;
        CREATE OR REPLACE TEMP MACRO medallion_money(m) AS
            CAST(CAST(m AS DECIMAL(38,0)) * CAST(0.000001 AS DECIMAL(7,6)) AS DECIMAL(38,6));
        CREATE OR REPLACE TEMP MACRO medallion_floor_div(n, d) AS
            CASE WHEN n >= 0 THEN n // d ELSE (n + 1) // d - 1 END;
        CREATE OR REPLACE TEMP MACRO medallion_hour(ts) AS medallion_floor_div(epoch_us(ts), 3600000000);
        CREATE OR REPLACE TEMP MACRO medallion_day(ts) AS medallion_floor_div(epoch_us(ts), 86400000000);
        """;

    /// <summary>Per-batch lookup tables: offers as resolved through the catalog and exchange rates as fractions.</summary>
    public const string CreateRunTables = """
        CREATE OR REPLACE TEMP TABLE run_offers (
            offer_id VARCHAR NOT NULL, currency VARCHAR NOT NULL, window_us BIGINT NOT NULL,
            rev_kind INTEGER NOT NULL, rev_num HUGEINT NOT NULL, rev_den HUGEINT NOT NULL,
            pay_kind INTEGER NOT NULL, pay_num HUGEINT NOT NULL, pay_den HUGEINT NOT NULL);
        CREATE OR REPLACE TEMP TABLE run_rates (currency VARCHAR NOT NULL, num HUGEINT NOT NULL, den HUGEINT NOT NULL);
        """;

    public const string InsertOffer = """
        INSERT INTO run_offers VALUES ($offer_id, $currency, $window_us, $rev_kind, $rev_num, $rev_den, $pay_kind, $pay_num, $pay_den)
        """;

    public const string InsertRate = "INSERT INTO run_rates VALUES ($currency, $num, $den)";

    /// <summary>Compacted files and the files they were made from (Parquet key-value metadata).</summary>
    public const string CompactedFrom = """
        SELECT file_name, decode(value) FROM parquet_kv_metadata($files) WHERE decode(key) = 'affiliate.compacted_from'
        """;

    /// <summary>
    /// Reads the batch's bronze files. The file list is a bound LIST parameter, never SQL text. Hive partition columns
    /// are not read from paths: every row carries its own <c>kind</c>.
    /// </summary>
    public const string Stage = """
        CREATE OR REPLACE TEMP TABLE stage_raw AS
        SELECT filename AS path, CAST(event_id AS VARCHAR) AS raw_event_id, TRY_CAST(event_id AS UUID) AS event_id, kind,
            CAST(occurred_at AS TIMESTAMPTZ) AS occurred_at, CAST(received_at AS TIMESTAMPTZ) AS received_at,
            click_id, offer_id, affiliate_id, campaign_id, sub1, sub2, sub3, sub4, sub5, transaction_id, status,
            CAST(sale_amount AS DECIMAL(18,6)) AS sale_amount, upper(sale_currency) AS sale_currency,
            ip_hash, user_agent, country, coalesce(is_bot, FALSE) AS is_bot,
            coalesce(TRY_CAST(event_id AS UUID) IS NOT NULL
                AND kind IN ('impression', 'click', 'conversion')
                AND occurred_at IS NOT NULL AND received_at IS NOT NULL
                AND (kind <> 'conversion' OR status IS NULL OR status IN ('approved', 'pending', 'rejected')), FALSE) AS valid
        FROM read_parquet($files, filename = true, hive_partitioning = false);

        INSERT INTO medallion_rejects
        SELECT path, raw_event_id,
            CASE WHEN event_id IS NULL THEN 'invalid_event_id'
                 WHEN kind IS NULL OR kind NOT IN ('impression', 'click', 'conversion') THEN 'invalid_kind'
                 WHEN occurred_at IS NULL OR received_at IS NULL THEN 'missing_time'
                 ELSE 'invalid_status' END,
            $run_id
        FROM stage_raw WHERE NOT valid;

        -- Survivor within the batch: earliest occurred_at, then received_at, then event id (UUID order is text order).
        -- Most events arrive once: only ids seen twice in the batch go through the window.
        CREATE OR REPLACE TEMP TABLE stage_dup_ids AS
        SELECT event_id FROM stage_raw WHERE valid GROUP BY event_id HAVING count(*) > 1;

        CREATE OR REPLACE TEMP TABLE stage AS
        SELECT * EXCLUDE (path, raw_event_id, valid) FROM stage_raw
        WHERE valid AND event_id NOT IN (SELECT event_id FROM stage_dup_ids)
        UNION ALL
        SELECT * EXCLUDE (path, raw_event_id, valid) FROM stage_raw
        WHERE valid AND event_id IN (SELECT event_id FROM stage_dup_ids)
        QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY occurred_at, received_at) = 1;
        """;

    /// <summary>
    /// Merges the batch into silver. <c>changed</c> holds the batch events that are new or beat the stored survivor;
    /// the partitions, click ids and conversion keys they touch (before and after) are collected for the later steps.
    /// </summary>
    public const string MergeSilver = """
        CREATE OR REPLACE TEMP TABLE changed AS
        SELECT s.* FROM stage s
        LEFT JOIN (
            SELECT event_id, occurred_at, received_at FROM silver_impressions
            UNION ALL SELECT event_id, occurred_at, received_at FROM silver_clicks
            UNION ALL SELECT event_id, occurred_at, received_at FROM silver_conversion_events) k ON k.event_id = s.event_id
        WHERE k.event_id IS NULL
           OR s.occurred_at < k.occurred_at
           OR (s.occurred_at = k.occurred_at AND s.received_at < k.received_at);

        CREATE OR REPLACE TEMP TABLE affected_hours AS
        SELECT medallion_hour(occurred_at) AS hour_no FROM silver_impressions WHERE event_id IN (SELECT event_id FROM changed)
        UNION ALL SELECT medallion_hour(occurred_at) FROM silver_clicks WHERE event_id IN (SELECT event_id FROM changed)
        UNION ALL SELECT medallion_hour(occurred_at) FROM changed WHERE kind IN ('impression', 'click');

        CREATE OR REPLACE TEMP TABLE affected_click_ids AS
        SELECT click_id FROM silver_clicks WHERE event_id IN (SELECT event_id FROM changed) AND click_id IS NOT NULL
        UNION SELECT click_id FROM changed WHERE kind = 'click' AND click_id IS NOT NULL;

        CREATE OR REPLACE TEMP TABLE affected_keys AS
        SELECT dedup_key FROM silver_conversion_events
        WHERE event_id IN (SELECT event_id FROM changed) AND dedup_key IS NOT NULL;

        DELETE FROM silver_impressions WHERE event_id IN (SELECT event_id FROM changed);
        DELETE FROM silver_clicks WHERE event_id IN (SELECT event_id FROM changed);
        DELETE FROM silver_conversion_events WHERE event_id IN (SELECT event_id FROM changed);

        INSERT INTO silver_impressions
        SELECT event_id, occurred_at, received_at, offer_id, affiliate_id, campaign_id, sub1, sub2, sub3, sub4, sub5, country
        FROM changed WHERE kind = 'impression';

        INSERT INTO silver_clicks
        SELECT event_id, click_id, occurred_at, received_at, offer_id, affiliate_id, campaign_id, sub1, sub2, sub3, sub4, sub5, country,
            coalesce(ip_hash, '') || '|' || coalesce(user_agent, ''), is_bot
        FROM changed WHERE kind = 'click';

        INSERT INTO silver_conversion_events
        SELECT event_id, click_id, occurred_at, received_at, offer_id, transaction_id, coalesce(status, 'approved'),
            sale_amount, sale_currency, NULL, NULL, NULL
        FROM changed WHERE kind = 'conversion';

        -- Conversions to (re-)attribute: new ones, and those whose click id gained or changed its survivor click.
        CREATE OR REPLACE TEMP TABLE conv_todo AS
        SELECT event_id FROM changed WHERE kind = 'conversion'
        UNION SELECT event_id FROM silver_conversion_events WHERE click_id IN (SELECT click_id FROM affected_click_ids);

        INSERT INTO affected_keys
        SELECT dedup_key FROM silver_conversion_events
        WHERE event_id IN (SELECT event_id FROM conv_todo) AND dedup_key IS NOT NULL;

        -- The click a click id stands for: the survivor among the clicks carrying it (bots included).
        CREATE OR REPLACE TEMP TABLE click_pick AS
        SELECT event_id, click_id, occurred_at, offer_id FROM silver_clicks
        WHERE click_id IN (SELECT click_id FROM silver_conversion_events WHERE event_id IN (SELECT event_id FROM conv_todo))
        QUALIFY row_number() OVER (PARTITION BY click_id ORDER BY occurred_at, received_at, event_id) = 1;
        """;

    public const string ClickPickOfferIds = """
        SELECT DISTINCT offer_id FROM click_pick
        WHERE offer_id IS NOT NULL AND offer_id NOT IN (SELECT offer_id FROM run_offers)
        """;

    /// <summary>
    /// Attribution (MedallionRules.Attribute) and the deduplication key: the attributed click's offer (or the
    /// conversion's own) with the transaction id, or the event id when there is none. The offer part is length-prefixed
    /// so no pair of values can produce the same key.
    /// </summary>
    public const string Attribute = """
        CREATE OR REPLACE TEMP TABLE conv_attr AS
        SELECT event_id,
            CASE WHEN reason IS NULL THEN click_event_id END AS click_event_id,
            reason,
            CASE WHEN key_offer IS NULL THEN '-' ELSE CAST(strlen(key_offer) AS VARCHAR) || ':' || key_offer END
            || CASE WHEN transaction_id IS NULL THEN 'e' || CAST(event_id AS VARCHAR) ELSE 't' || transaction_id END AS dedup_key
        FROM (
            SELECT event_id, transaction_id, click_event_id, reason,
                CASE WHEN reason IS NULL THEN click_offer_id ELSE own_offer_id END AS key_offer
            FROM (
                SELECT e.event_id, e.transaction_id, e.offer_id AS own_offer_id, c.event_id AS click_event_id, c.offer_id AS click_offer_id,
                    CASE WHEN c.event_id IS NULL THEN 'unknown_click'
                         WHEN o.offer_id IS NULL THEN 'unknown_offer'
                         WHEN e.occurred_at < c.occurred_at THEN 'before_click'
                         WHEN epoch_us(e.occurred_at) - epoch_us(c.occurred_at) > o.window_us THEN 'outside_window'
                    END AS reason
                FROM silver_conversion_events e
                LEFT JOIN click_pick c ON c.click_id = e.click_id
                LEFT JOIN run_offers o ON o.offer_id = c.offer_id
                WHERE e.event_id IN (SELECT event_id FROM conv_todo)));

        UPDATE silver_conversion_events AS e
        SET click_event_id = a.click_event_id, attribution_reason = a.reason, dedup_key = a.dedup_key
        FROM conv_attr a WHERE e.event_id = a.event_id;

        INSERT INTO affected_keys SELECT dedup_key FROM conv_attr;

        CREATE OR REPLACE TEMP TABLE affected_keys_d AS SELECT DISTINCT dedup_key FROM affected_keys;

        INSERT INTO affected_hours
        SELECT medallion_hour(occurred_at) FROM silver_conversions
        WHERE click_event_id IS NOT NULL AND dedup_key IN (SELECT dedup_key FROM affected_keys_d);

        DELETE FROM silver_conversions WHERE dedup_key IN (SELECT dedup_key FROM affected_keys_d);

        -- One survivor per key; it takes the gold dimensions from its attributed click.
        CREATE OR REPLACE TEMP TABLE conv_surv AS
        SELECT e.event_id, e.dedup_key, e.occurred_at, e.received_at, e.transaction_id, e.click_id, e.click_event_id, e.status,
            e.offer_id AS own_offer_id, e.attribution_reason, e.sale_amount, e.sale_currency,
            c.offer_id, c.affiliate_id, c.campaign_id, c.sub1, c.sub2, c.sub3, c.sub4, c.sub5, c.country
        FROM (
            SELECT * FROM silver_conversion_events WHERE dedup_key IN (SELECT dedup_key FROM affected_keys_d)
            QUALIFY row_number() OVER (PARTITION BY dedup_key ORDER BY occurred_at, received_at, event_id) = 1) e
        LEFT JOIN silver_clicks c ON c.event_id = e.click_event_id;
        """;

    public const string SurvivorOfferIds = """
        SELECT DISTINCT offer_id FROM conv_surv
        WHERE click_event_id IS NOT NULL AND offer_id IS NOT NULL AND offer_id NOT IN (SELECT offer_id FROM run_offers)
        """;

    /// <summary>
    /// Money (MedallionRules.TryComputeMoney) in micro-units: sale → report currency → offer currency, commission
    /// (flat, or a rounded percentage of the sale in the offer's currency), then into the report currency; every
    /// multiplication rounded to 6 places half away from zero. A missing rate leaves the conversion attributed,
    /// without money, with reason no_exchange_rate.
    /// </summary>
    public const string InsertSurvivors = """
        INSERT INTO silver_conversions
        SELECT event_id, dedup_key, occurred_at, received_at, transaction_id, click_id, click_event_id, status,
            CASE WHEN click_event_id IS NULL THEN own_offer_id ELSE offer_id END,
            affiliate_id, campaign_id, sub1, sub2, sub3, sub4, sub5, country,
            CASE WHEN has_money THEN medallion_money(
                CASE WHEN rev_kind = 1 THEN medallion_rdiv(rev_num * ro_num * 1000000, rev_den * ro_den)
                     ELSE medallion_rdiv(medallion_rdiv(sale_in_offer * rev_num, rev_den * 100) * ro_num, ro_den) END)
                 ELSE CAST(0 AS DECIMAL(38,6)) END,
            CASE WHEN has_money THEN medallion_money(
                CASE WHEN pay_kind = 1 THEN medallion_rdiv(pay_num * ro_num * 1000000, pay_den * ro_den)
                     ELSE medallion_rdiv(medallion_rdiv(sale_in_offer * pay_num, pay_den * 100) * ro_num, ro_den) END)
                 ELSE CAST(0 AS DECIMAL(38,6)) END,
            CASE WHEN click_event_id IS NULL THEN attribution_reason WHEN NOT has_money THEN 'no_exchange_rate' END
        FROM (
            SELECT *,
                CASE WHEN NOT has_money OR NOT needs_sale THEN CAST(0 AS HUGEINT)
                     WHEN sale_currency = offer_currency THEN sale_micro
                     ELSE medallion_rdiv(medallion_rdiv(sale_micro * rs_num, rs_den) * ro_den, ro_num) END AS sale_in_offer
            FROM (
                SELECT *,
                    coalesce(click_event_id IS NOT NULL AND ro_num IS NOT NULL AND (NOT needs_sale OR rs_num IS NOT NULL), FALSE) AS has_money
                FROM (
                    SELECT s.*, o.currency AS offer_currency,
                        o.rev_kind, o.rev_num, o.rev_den, o.pay_kind, o.pay_num, o.pay_den,
                        ro.num AS ro_num, ro.den AS ro_den, rs.num AS rs_num, rs.den AS rs_den,
                        CAST(CAST(s.sale_amount AS DECIMAL(38,6)) * 1000000 AS HUGEINT) AS sale_micro,
                        coalesce(s.sale_amount IS NOT NULL AND (o.rev_kind = 2 OR o.pay_kind = 2), FALSE) AS needs_sale
                    FROM conv_surv s
                    LEFT JOIN run_offers o ON o.offer_id = s.offer_id AND s.click_event_id IS NOT NULL
                    LEFT JOIN run_rates ro ON ro.currency = o.currency
                    LEFT JOIN run_rates rs ON rs.currency = s.sale_currency)));

        INSERT INTO affected_hours
        SELECT medallion_hour(occurred_at) FROM conv_surv WHERE click_event_id IS NOT NULL;
        """;

    /// <summary>Rebuilds the hourly and daily gold partitions touched by the batch from silver.</summary>
    public const string RebuildGold = """
        CREATE OR REPLACE TEMP TABLE affected_hours_d AS SELECT DISTINCT hour_no FROM affected_hours WHERE hour_no IS NOT NULL;
        CREATE OR REPLACE TEMP TABLE affected_days_d AS SELECT DISTINCT medallion_floor_div(hour_no, 24) AS day_no FROM affected_hours_d;

        CREATE OR REPLACE TEMP TABLE gold_facts AS
        SELECT * FROM (
            SELECT medallion_hour(occurred_at) AS hour_no, affiliate_id, offer_id, campaign_id, sub1, sub2, sub3, sub4, sub5, country,
                0 AS k, CAST(NULL AS VARCHAR) AS visitor_key, FALSE AS is_bot, CAST(NULL AS VARCHAR) AS status,
                CAST(NULL AS DECIMAL(38,6)) AS revenue, CAST(NULL AS DECIMAL(38,6)) AS payout
            FROM silver_impressions
            UNION ALL
            SELECT medallion_hour(occurred_at), affiliate_id, offer_id, campaign_id, sub1, sub2, sub3, sub4, sub5, country, 1, visitor_key, is_bot, NULL, NULL, NULL
            FROM silver_clicks
            UNION ALL
            SELECT medallion_hour(occurred_at), affiliate_id, offer_id, campaign_id, sub1, sub2, sub3, sub4, sub5, country, 2, NULL, FALSE, status, revenue, payout
            FROM silver_conversions WHERE click_event_id IS NOT NULL)
        WHERE medallion_floor_div(hour_no, 24) IN (SELECT day_no FROM affected_days_d);

        DELETE FROM gold_hourly WHERE medallion_hour(hour) IN (SELECT hour_no FROM affected_hours_d);
        INSERT INTO gold_hourly
        SELECT to_timestamp(hour_no * 3600), affiliate_id, offer_id, campaign_id, sub1, sub2, sub3, sub4, sub5, country, impressions, clicks, unique_clicks, bot_clicks, conversions, pending_conversions, rejected_conversions, revenue, payout
        FROM (
            SELECT hour_no, affiliate_id, offer_id, campaign_id, sub1, sub2, sub3, sub4, sub5, country,
                count(*) FILTER (WHERE k = 0) AS impressions,
                count(*) FILTER (WHERE k = 1 AND NOT is_bot) AS clicks,
                count(DISTINCT visitor_key) FILTER (WHERE k = 1 AND NOT is_bot) AS unique_clicks,
                count(*) FILTER (WHERE k = 1 AND is_bot) AS bot_clicks,
                count(*) FILTER (WHERE k = 2 AND status = 'approved') AS conversions,
                count(*) FILTER (WHERE k = 2 AND status = 'pending') AS pending_conversions,
                count(*) FILTER (WHERE k = 2 AND status = 'rejected') AS rejected_conversions,
                CAST(coalesce(sum(revenue) FILTER (WHERE k = 2 AND status = 'approved'), 0) AS DECIMAL(38,6)) AS revenue,
                CAST(coalesce(sum(payout) FILTER (WHERE k = 2 AND status = 'approved'), 0) AS DECIMAL(38,6)) AS payout
            FROM gold_facts
            WHERE hour_no IN (SELECT hour_no FROM affected_hours_d)
            GROUP BY ALL);

        DELETE FROM gold_daily WHERE CAST(day - DATE '1970-01-01' AS BIGINT) IN (SELECT day_no FROM affected_days_d);
        INSERT INTO gold_daily
        SELECT DATE '1970-01-01' + CAST(day_no AS INTEGER), affiliate_id, offer_id, campaign_id, sub1, sub2, sub3, sub4, sub5, country, impressions, clicks, unique_clicks, bot_clicks, conversions, pending_conversions, rejected_conversions, revenue, payout
        FROM (
            SELECT medallion_floor_div(hour_no, 24) AS day_no, affiliate_id, offer_id, campaign_id, sub1, sub2, sub3, sub4, sub5, country,
                count(*) FILTER (WHERE k = 0) AS impressions,
                count(*) FILTER (WHERE k = 1 AND NOT is_bot) AS clicks,
                count(DISTINCT visitor_key) FILTER (WHERE k = 1 AND NOT is_bot) AS unique_clicks,
                count(*) FILTER (WHERE k = 1 AND is_bot) AS bot_clicks,
                count(*) FILTER (WHERE k = 2 AND status = 'approved') AS conversions,
                count(*) FILTER (WHERE k = 2 AND status = 'pending') AS pending_conversions,
                count(*) FILTER (WHERE k = 2 AND status = 'rejected') AS rejected_conversions,
                CAST(coalesce(sum(revenue) FILTER (WHERE k = 2 AND status = 'approved'), 0) AS DECIMAL(38,6)) AS revenue,
                CAST(coalesce(sum(payout) FILTER (WHERE k = 2 AND status = 'approved'), 0) AS DECIMAL(38,6)) AS payout
            FROM gold_facts
            GROUP BY ALL);

        -- Roll-ups for the most common breakdowns (per affiliate, per offer): far fewer rows to scan.
        DELETE FROM gold_hourly_affiliate_offer WHERE medallion_hour(hour) IN (SELECT hour_no FROM affected_hours_d);
        INSERT INTO gold_hourly_affiliate_offer
        SELECT hour, affiliate_id, offer_id,
            sum(impressions), sum(clicks), sum(unique_clicks), sum(bot_clicks), sum(conversions), sum(pending_conversions),
            sum(rejected_conversions), CAST(sum(revenue) AS DECIMAL(38,6)), CAST(sum(payout) AS DECIMAL(38,6))
        FROM gold_hourly
        WHERE medallion_hour(hour) IN (SELECT hour_no FROM affected_hours_d)
        GROUP BY hour, affiliate_id, offer_id;

        DELETE FROM gold_daily_affiliate_offer WHERE CAST(day - DATE '1970-01-01' AS BIGINT) IN (SELECT day_no FROM affected_days_d);
        INSERT INTO gold_daily_affiliate_offer
        SELECT day, affiliate_id, offer_id,
            sum(impressions), sum(clicks), sum(unique_clicks), sum(bot_clicks), sum(conversions), sum(pending_conversions),
            sum(rejected_conversions), CAST(sum(revenue) AS DECIMAL(38,6)), CAST(sum(payout) AS DECIMAL(38,6))
        FROM gold_daily
        WHERE CAST(day - DATE '1970-01-01' AS BIGINT) IN (SELECT day_no FROM affected_days_d)
        GROUP BY day, affiliate_id, offer_id;
        """;

    public const string GoldPartitionCount = "SELECT (SELECT count(*) FROM affected_hours_d) + (SELECT count(*) FROM affected_days_d)";

    /// <summary>Records the batch's files and the run (freshness = newest occurred_at ever merged).</summary>
    public const string RecordRun = """
        INSERT INTO bronze_files
        SELECT f.path, $run_id, coalesce(c.n, 0), $now
        FROM (SELECT unnest($paths) AS path, unnest($full_paths) AS full_path) f
        LEFT JOIN (SELECT path, count(*) AS n FROM stage_raw GROUP BY path) c ON c.path = f.full_path;

        INSERT INTO medallion_runs
        SELECT $run_id, $started_at, $now, $files, (SELECT count(*) FROM stage_raw), (SELECT count(*) FROM changed), $partitions,
            (SELECT max(m) FROM (
                SELECT max(freshness) AS m FROM medallion_runs UNION ALL SELECT max(occurred_at) FROM stage));
        """;

    /// <summary>Records files skipped without reading (compacted copies of files already merged).</summary>
    public const string RecordSkipped = """
        INSERT INTO bronze_files SELECT unnest($paths), $run_id, NULL, $now
        """;

    public const string NextRunId = "SELECT coalesce(max(run_id), 0) + 1 FROM medallion_runs";

    public const string ProcessedFiles = "SELECT path FROM bronze_files";

    public const string Freshness = "SELECT max(freshness) FROM medallion_runs";
}
