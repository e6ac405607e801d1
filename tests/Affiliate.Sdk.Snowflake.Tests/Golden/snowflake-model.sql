-- Affiliate.Sdk medallion model on Snowflake (generated; review, then apply in order).
-- Contract: docs/data-model.md. Deployment: docs/scaling-out.md.

CREATE FILE FORMAT IF NOT EXISTS ANALYTICS.AFFILIATE.AFFILIATE_PARQUET
    TYPE = PARQUET
    USE_LOGICAL_TYPE = TRUE
    COMMENT = 'Affiliate.Sdk lake Parquet (bronze_events/1)';

CREATE STAGE IF NOT EXISTS ANALYTICS.AFFILIATE.AFFILIATE_LAKE
    URL = 's3://example-lake/affiliate/'
    STORAGE_INTEGRATION = AFFILIATE_LAKE_INT
    FILE_FORMAT = (FORMAT_NAME = 'ANALYTICS.AFFILIATE.AFFILIATE_PARQUET')
    COMMENT = 'Affiliate.Sdk lake root';

CREATE TABLE IF NOT EXISTS ANALYTICS.AFFILIATE.bronze_events (
    event_id VARCHAR, kind VARCHAR, occurred_at TIMESTAMP_NTZ(6), received_at TIMESTAMP_NTZ(6),
    click_id VARCHAR, offer_id VARCHAR, affiliate_id VARCHAR, campaign_id VARCHAR,
    sub1 VARCHAR, sub2 VARCHAR, sub3 VARCHAR, sub4 VARCHAR, sub5 VARCHAR,
    transaction_id VARCHAR, status VARCHAR, sale_amount NUMBER(18,6), sale_currency VARCHAR,
    revenue_amount NUMBER(18,6), revenue_currency VARCHAR, payout_amount NUMBER(18,6), payout_currency VARCHAR,
    ip_hash VARCHAR, user_agent VARCHAR, country VARCHAR, referrer VARCHAR, is_bot BOOLEAN, schema_version INTEGER,
    source VARCHAR, source_partition VARCHAR, source_position VARCHAR, landed_at TIMESTAMP_NTZ(6),
    bronze_file VARCHAR)
    CHANGE_TRACKING = TRUE
    COMMENT = 'Bronze events as landed in the lake (at-least-once: duplicates expected; times are UTC)';

CREATE PIPE IF NOT EXISTS ANALYTICS.AFFILIATE.AFFILIATE_BRONZE_PIPE
    AUTO_INGEST = TRUE
    COMMENT = 'Loads every new bronze Parquet file of the lake'
    AS COPY INTO ANALYTICS.AFFILIATE.bronze_events
    FROM @ANALYTICS.AFFILIATE.AFFILIATE_LAKE/bronze/events/
    FILE_FORMAT = (FORMAT_NAME = 'ANALYTICS.AFFILIATE.AFFILIATE_PARQUET')
    MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE
    INCLUDE_METADATA = (bronze_file = METADATA$FILENAME)
    PATTERN = '.*[.]parquet';

CREATE OR ALTER DYNAMIC TABLE ANALYTICS.AFFILIATE.medallion_rejects
    TARGET_LAG = '5 minutes'
    WAREHOUSE = TRANSFORM_WH
AS
SELECT bronze_file AS bronze_file, event_id, kind,
    CASE
        WHEN NOT (event_id IS NOT NULL AND regexp_like(event_id, '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')) THEN 'invalid_event_id'
        WHEN NOT (kind IS NOT NULL AND kind IN ('impression', 'click', 'conversion')) THEN 'invalid_kind'
        WHEN NOT (occurred_at IS NOT NULL AND received_at IS NOT NULL) THEN 'missing_time'
        WHEN NOT ((kind IS NULL OR kind <> 'conversion' OR status IS NULL OR status IN ('approved', 'pending', 'rejected'))) THEN 'invalid_status'
    END AS reason
FROM ANALYTICS.AFFILIATE.bronze_events
WHERE NOT ((event_id IS NOT NULL AND regexp_like(event_id, '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')) AND (kind IS NOT NULL AND kind IN ('impression', 'click', 'conversion')) AND (occurred_at IS NOT NULL AND received_at IS NOT NULL) AND ((kind IS NULL OR kind <> 'conversion' OR status IS NULL OR status IN ('approved', 'pending', 'rejected'))));

CREATE OR ALTER DYNAMIC TABLE ANALYTICS.AFFILIATE.silver_events
    TARGET_LAG = DOWNSTREAM
    WAREHOUSE = TRANSFORM_WH
AS
SELECT event_id, kind, occurred_at, received_at, click_id, affiliate_id, offer_id, campaign_id, sub1, sub2, sub3, sub4, sub5, country,
    transaction_id, status, sale_amount, sale_currency, ip_hash, user_agent, is_bot
FROM (
    SELECT LOWER(event_id) AS event_id, kind, occurred_at, received_at, click_id, offer_id, affiliate_id, campaign_id,
        sub1, sub2, sub3, sub4, sub5, country, transaction_id,
        CASE WHEN kind = 'conversion' THEN COALESCE(status, 'approved') END AS status,
        CAST(sale_amount AS DECIMAL(38,6)) AS sale_amount, UPPER(sale_currency) AS sale_currency,
        ip_hash, user_agent, COALESCE(is_bot, FALSE) AS is_bot,
        ROW_NUMBER() OVER (PARTITION BY LOWER(event_id) ORDER BY occurred_at, received_at) AS survivor_rank
    FROM ANALYTICS.AFFILIATE.bronze_events
    WHERE (event_id IS NOT NULL AND regexp_like(event_id, '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')) AND (kind IS NOT NULL AND kind IN ('impression', 'click', 'conversion')) AND (occurred_at IS NOT NULL AND received_at IS NOT NULL) AND ((kind IS NULL OR kind <> 'conversion' OR status IS NULL OR status IN ('approved', 'pending', 'rejected')))
) ranked
WHERE survivor_rank = 1;

CREATE OR ALTER DYNAMIC TABLE ANALYTICS.AFFILIATE.silver_impressions
    TARGET_LAG = DOWNSTREAM
    WAREHOUSE = TRANSFORM_WH
AS
SELECT event_id, occurred_at, received_at, affiliate_id, offer_id, campaign_id, sub1, sub2, sub3, sub4, sub5, country
FROM ANALYTICS.AFFILIATE.silver_events
WHERE kind = 'impression';

CREATE OR ALTER DYNAMIC TABLE ANALYTICS.AFFILIATE.silver_clicks
    TARGET_LAG = DOWNSTREAM
    WAREHOUSE = TRANSFORM_WH
AS
SELECT event_id, click_id, occurred_at, received_at, affiliate_id, offer_id, campaign_id, sub1, sub2, sub3, sub4, sub5, country,
    COALESCE(ip_hash, '') || '|' || COALESCE(user_agent, '') AS visitor_key, is_bot
FROM ANALYTICS.AFFILIATE.silver_events
WHERE kind = 'click';

CREATE OR ALTER DYNAMIC TABLE ANALYTICS.AFFILIATE.silver_conversions
    TARGET_LAG = DOWNSTREAM
    WAREHOUSE = TRANSFORM_WH
AS
WITH offers AS (
    SELECT * FROM (VALUES
        ('o1', 'USD', CAST(2592000000000 AS BIGINT), 1, CAST(10 AS DECIMAL(18,10)), 1, CAST(7.5 AS DECIMAL(18,10))),
        ('o2', 'EUR', CAST(86400000000 AS BIGINT), 2, CAST(0.125 AS DECIMAL(18,10)), 2, CAST(0.08333333 AS DECIMAL(18,10))),
        ('o3', 'GBP', CAST(2592000000000 AS BIGINT), 1, CAST(3.3333333 AS DECIMAL(18,10)), 1, CAST(1.1 AS DECIMAL(18,10))),
        ('o4', 'JPY', CAST(21600000000 AS BIGINT), 2, CAST(0.05 AS DECIMAL(18,10)), 2, CAST(0.025 AS DECIMAL(18,10)))
    ) AS v (offer_id, currency, window_us, rev_kind, rev_value, pay_kind, pay_value)
),
rates AS (
    SELECT * FROM (VALUES
        ('EUR', CAST(1.08 AS DECIMAL(18,10))),
        ('JPY', CAST(0.0067123 AS DECIMAL(18,10))),
        ('USD', CAST(1 AS DECIMAL(18,10)))
    ) AS v (currency, rate)
),
click_survivors AS (
    SELECT event_id, click_id, occurred_at, affiliate_id, offer_id, campaign_id, sub1, sub2, sub3, sub4, sub5, country
    FROM (
        SELECT c.*, ROW_NUMBER() OVER (PARTITION BY click_id ORDER BY occurred_at, received_at, event_id) AS click_rank
        FROM ANALYTICS.AFFILIATE.silver_clicks c
        WHERE click_id IS NOT NULL
    ) ranked
    WHERE click_rank = 1
),
attributed AS (
    SELECT e.event_id, e.occurred_at, e.received_at, e.click_id, e.transaction_id, e.status,
        e.sale_amount, e.sale_currency, e.offer_id AS own_offer_id,
        c.event_id AS click_event_id, c.offer_id AS click_offer_id, c.affiliate_id, c.campaign_id,
        c.sub1, c.sub2, c.sub3, c.sub4, c.sub5, c.country,
        CASE WHEN c.event_id IS NULL THEN 'unknown_click'
             WHEN o.offer_id IS NULL THEN 'unknown_offer'
             WHEN e.occurred_at < c.occurred_at THEN 'before_click'
             WHEN DATEDIFF('microsecond', c.occurred_at, e.occurred_at) > o.window_us THEN 'outside_window'
        END AS reason
    FROM ANALYTICS.AFFILIATE.silver_events e
    LEFT JOIN click_survivors c ON c.click_id = e.click_id
    LEFT JOIN offers o ON o.offer_id = c.offer_id
    WHERE e.kind = 'conversion'
),
survivors AS (
    SELECT * FROM (
        SELECT a.*,
            CASE WHEN reason IS NULL THEN click_offer_id ELSE own_offer_id END AS key_offer,
            ROW_NUMBER() OVER (
                PARTITION BY CASE WHEN reason IS NULL THEN click_offer_id ELSE own_offer_id END,
                    CASE WHEN transaction_id IS NULL THEN 'e:' || event_id ELSE 't:' || transaction_id END
                ORDER BY occurred_at, received_at, event_id) AS conversion_rank
        FROM attributed a
    ) ranked
    WHERE conversion_rank = 1
),
priced AS (
    SELECT s.*, o.currency AS offer_currency, o.rev_kind, o.rev_value, o.pay_kind, o.pay_value,
        ro.rate AS offer_rate, rs.rate AS sale_rate,
        CASE WHEN s.sale_amount IS NOT NULL AND (o.rev_kind = 2 OR o.pay_kind = 2) THEN 1 ELSE 0 END AS needs_sale
    FROM survivors s
    LEFT JOIN offers o ON o.offer_id = s.key_offer AND s.reason IS NULL
    LEFT JOIN rates ro ON ro.currency = o.currency
    LEFT JOIN rates rs ON rs.currency = s.sale_currency
),
sale_in_report AS (
    SELECT p.*,
        CASE WHEN reason IS NULL AND offer_rate IS NOT NULL AND (needs_sale = 0 OR sale_rate IS NOT NULL) THEN 1 ELSE 0 END AS has_money,
        CAST(ROUND(sale_amount * sale_rate, 6) AS DECIMAL(38,6)) AS sale_report
    FROM priced p
),
sale_guess AS (
    SELECT r.*, CAST(ROUND(DIV0(sale_report, offer_rate), 6) AS DECIMAL(38,6)) AS sale_guess
    FROM sale_in_report r
),
sale_in_offer AS (
    SELECT g.*,
        CASE WHEN has_money = 0 OR needs_sale = 0 THEN CAST(0 AS DECIMAL(38,6))
             WHEN sale_currency = offer_currency THEN sale_amount
             WHEN (sale_guess + CAST(0.0000005 AS DECIMAL(7,7))) * offer_rate <= sale_report
                 THEN CAST(sale_guess + CAST(0.000001 AS DECIMAL(7,6)) AS DECIMAL(38,6))
             WHEN (sale_guess - CAST(0.0000005 AS DECIMAL(7,7))) * offer_rate > sale_report
                 THEN CAST(sale_guess - CAST(0.000001 AS DECIMAL(7,6)) AS DECIMAL(38,6))
             ELSE sale_guess
        END AS sale_in_offer
    FROM sale_guess g
)
SELECT event_id, occurred_at, received_at, click_id, transaction_id, status,
    CASE WHEN reason IS NULL THEN click_event_id END AS click_event_id,
    key_offer AS offer_id,
    CASE WHEN reason IS NULL THEN affiliate_id END AS affiliate_id,
    CASE WHEN reason IS NULL THEN campaign_id END AS campaign_id,
    CASE WHEN reason IS NULL THEN sub1 END AS sub1,
    CASE WHEN reason IS NULL THEN sub2 END AS sub2,
    CASE WHEN reason IS NULL THEN sub3 END AS sub3,
    CASE WHEN reason IS NULL THEN sub4 END AS sub4,
    CASE WHEN reason IS NULL THEN sub5 END AS sub5,
    CASE WHEN reason IS NULL THEN country END AS country,
    sale_amount, sale_currency,
    CASE WHEN has_money = 1 THEN CAST(ROUND(CAST(CASE WHEN rev_kind = 1 THEN rev_value ELSE ROUND(sale_in_offer * rev_value, 6) END AS DECIMAL(24,10)) * offer_rate, 6) AS DECIMAL(38,6)) ELSE CAST(0 AS DECIMAL(38,6)) END AS revenue,
    CASE WHEN has_money = 1 THEN CAST(ROUND(CAST(CASE WHEN pay_kind = 1 THEN pay_value ELSE ROUND(sale_in_offer * pay_value, 6) END AS DECIMAL(24,10)) * offer_rate, 6) AS DECIMAL(38,6)) ELSE CAST(0 AS DECIMAL(38,6)) END AS payout,
    CASE WHEN reason IS NOT NULL THEN reason WHEN has_money = 0 THEN 'no_exchange_rate' END AS reason
FROM sale_in_offer;

CREATE OR ALTER DYNAMIC TABLE ANALYTICS.AFFILIATE.gold_hourly
    TARGET_LAG = '5 minutes'
    WAREHOUSE = TRANSFORM_WH
AS
SELECT period AS hour, affiliate_id, offer_id, campaign_id, sub1, sub2, sub3, sub4, sub5, country,
    CAST(SUM(CASE WHEN fact = 0 THEN 1 ELSE 0 END) AS BIGINT) AS impressions,
    CAST(SUM(CASE WHEN fact = 1 AND NOT is_bot THEN 1 ELSE 0 END) AS BIGINT) AS clicks,
    CAST(COUNT(DISTINCT CASE WHEN fact = 1 AND NOT is_bot THEN visitor_key END) AS BIGINT) AS unique_clicks,
    CAST(SUM(CASE WHEN fact = 1 AND is_bot THEN 1 ELSE 0 END) AS BIGINT) AS bot_clicks,
    CAST(SUM(CASE WHEN fact = 2 AND status = 'approved' THEN 1 ELSE 0 END) AS BIGINT) AS conversions,
    CAST(SUM(CASE WHEN fact = 2 AND status = 'pending' THEN 1 ELSE 0 END) AS BIGINT) AS pending_conversions,
    CAST(SUM(CASE WHEN fact = 2 AND status = 'rejected' THEN 1 ELSE 0 END) AS BIGINT) AS rejected_conversions,
    CAST(COALESCE(SUM(CASE WHEN fact = 2 AND status = 'approved' THEN revenue END), 0) AS DECIMAL(38,6)) AS revenue,
    CAST(COALESCE(SUM(CASE WHEN fact = 2 AND status = 'approved' THEN payout END), 0) AS DECIMAL(38,6)) AS payout
FROM (
    SELECT DATE_TRUNC('HOUR', occurred_at) AS period, affiliate_id, offer_id, campaign_id, sub1, sub2, sub3, sub4, sub5, country, 0 AS fact, CAST(NULL AS VARCHAR) AS visitor_key, FALSE AS is_bot,
        CAST(NULL AS VARCHAR) AS status, CAST(NULL AS DECIMAL(38,6)) AS revenue, CAST(NULL AS DECIMAL(38,6)) AS payout
    FROM ANALYTICS.AFFILIATE.silver_impressions
    UNION ALL
    SELECT DATE_TRUNC('HOUR', occurred_at), affiliate_id, offer_id, campaign_id, sub1, sub2, sub3, sub4, sub5, country, 1, visitor_key, is_bot, CAST(NULL AS VARCHAR), CAST(NULL AS DECIMAL(38,6)), CAST(NULL AS DECIMAL(38,6))
    FROM ANALYTICS.AFFILIATE.silver_clicks
    UNION ALL
    SELECT DATE_TRUNC('HOUR', occurred_at), affiliate_id, offer_id, campaign_id, sub1, sub2, sub3, sub4, sub5, country, 2, CAST(NULL AS VARCHAR), FALSE, status, revenue, payout
    FROM ANALYTICS.AFFILIATE.silver_conversions
    WHERE click_event_id IS NOT NULL
) facts
GROUP BY period, affiliate_id, offer_id, campaign_id, sub1, sub2, sub3, sub4, sub5, country;

CREATE OR ALTER DYNAMIC TABLE ANALYTICS.AFFILIATE.gold_daily
    TARGET_LAG = '5 minutes'
    WAREHOUSE = TRANSFORM_WH
AS
SELECT period AS day, affiliate_id, offer_id, campaign_id, sub1, sub2, sub3, sub4, sub5, country,
    CAST(SUM(CASE WHEN fact = 0 THEN 1 ELSE 0 END) AS BIGINT) AS impressions,
    CAST(SUM(CASE WHEN fact = 1 AND NOT is_bot THEN 1 ELSE 0 END) AS BIGINT) AS clicks,
    CAST(COUNT(DISTINCT CASE WHEN fact = 1 AND NOT is_bot THEN visitor_key END) AS BIGINT) AS unique_clicks,
    CAST(SUM(CASE WHEN fact = 1 AND is_bot THEN 1 ELSE 0 END) AS BIGINT) AS bot_clicks,
    CAST(SUM(CASE WHEN fact = 2 AND status = 'approved' THEN 1 ELSE 0 END) AS BIGINT) AS conversions,
    CAST(SUM(CASE WHEN fact = 2 AND status = 'pending' THEN 1 ELSE 0 END) AS BIGINT) AS pending_conversions,
    CAST(SUM(CASE WHEN fact = 2 AND status = 'rejected' THEN 1 ELSE 0 END) AS BIGINT) AS rejected_conversions,
    CAST(COALESCE(SUM(CASE WHEN fact = 2 AND status = 'approved' THEN revenue END), 0) AS DECIMAL(38,6)) AS revenue,
    CAST(COALESCE(SUM(CASE WHEN fact = 2 AND status = 'approved' THEN payout END), 0) AS DECIMAL(38,6)) AS payout
FROM (
    SELECT CAST(DATE_TRUNC('DAY', occurred_at) AS DATE) AS period, affiliate_id, offer_id, campaign_id, sub1, sub2, sub3, sub4, sub5, country, 0 AS fact, CAST(NULL AS VARCHAR) AS visitor_key, FALSE AS is_bot,
        CAST(NULL AS VARCHAR) AS status, CAST(NULL AS DECIMAL(38,6)) AS revenue, CAST(NULL AS DECIMAL(38,6)) AS payout
    FROM ANALYTICS.AFFILIATE.silver_impressions
    UNION ALL
    SELECT CAST(DATE_TRUNC('DAY', occurred_at) AS DATE), affiliate_id, offer_id, campaign_id, sub1, sub2, sub3, sub4, sub5, country, 1, visitor_key, is_bot, CAST(NULL AS VARCHAR), CAST(NULL AS DECIMAL(38,6)), CAST(NULL AS DECIMAL(38,6))
    FROM ANALYTICS.AFFILIATE.silver_clicks
    UNION ALL
    SELECT CAST(DATE_TRUNC('DAY', occurred_at) AS DATE), affiliate_id, offer_id, campaign_id, sub1, sub2, sub3, sub4, sub5, country, 2, CAST(NULL AS VARCHAR), FALSE, status, revenue, payout
    FROM ANALYTICS.AFFILIATE.silver_conversions
    WHERE click_event_id IS NOT NULL
) facts
GROUP BY period, affiliate_id, offer_id, campaign_id, sub1, sub2, sub3, sub4, sub5, country;
