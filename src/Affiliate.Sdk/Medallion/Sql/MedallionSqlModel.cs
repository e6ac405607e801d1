using System.Globalization;
using System.Text;
using Affiliate.Sdk.Offers;

namespace Affiliate.Sdk.Medallion.Sql;

/// <summary>The names of the medallion datasets every SQL engine creates (docs/data-model.md).</summary>
public static class MedallionSqlTables
{
    /// <summary>Bronze events as landed from the lake's Parquet.</summary>
    public const string BronzeEvents = "bronze_events";

    /// <summary>Bronze rows that cannot be read as an event, with the reason.</summary>
    public const string Rejects = "medallion_rejects";

    /// <summary>Every valid event once (the survivor of its event id).</summary>
    public const string SilverEvents = "silver_events";

    /// <summary>Impressions, one row per event id.</summary>
    public const string SilverImpressions = "silver_impressions";

    /// <summary>Clicks, one row per event id, with the visitor key.</summary>
    public const string SilverClicks = "silver_clicks";

    /// <summary>Conversions, one row per (offer, transaction id), attributed or with a reason.</summary>
    public const string SilverConversions = "silver_conversions";

    /// <summary>Gold by UTC hour.</summary>
    public const string GoldHourly = "gold_hourly";

    /// <summary>Gold by UTC date.</summary>
    public const string GoldDaily = "gold_daily";
}

/// <summary>A reject rule of bronze: a row is valid when <see cref="Condition"/> holds; otherwise it is rejected with <see cref="Reason"/>.</summary>
/// <param name="Name">A constraint name (lower snake case).</param>
/// <param name="Condition">A boolean SQL expression over bronze columns, never NULL.</param>
/// <param name="Reason">The reject reason recorded when the condition fails (the first failing rule wins).</param>
public sealed record MedallionSqlRule(string Name, string Condition, string Reason);

/// <summary>
/// The medallion model (docs/data-model.md) as SELECT statements in a SQL subset DuckDB, Snowflake and Databricks SQL all
/// run: ROW_NUMBER deduplication without QUALIFY, CASE, COALESCE, exact DECIMAL money, and the offer catalog and exchange
/// rates inlined as VALUES. The engine-specific DDL generators wrap these SELECTs in their own objects.
/// </summary>
public sealed class MedallionSqlModel
{
    /// <summary>Largest number of decimal places a rate, flat amount or percentage / 100 may have in SQL.</summary>
    public const int RateScale = 10;

    private const char Ws = '\n';
    private const string Amount = "DECIMAL(38,6)";
    private const string Rate = "DECIMAL(18,10)";
    private const string Money = "DECIMAL(38,6)";
    private const string Dimensions = "affiliate_id, offer_id, campaign_id, sub1, sub2, sub3, sub4, sub5, country";

    private readonly string _offers;
    private readonly string _rates;

    private MedallionSqlModel(MedallionSqlDialect dialect, string? schema, string offers, string rates)
    {
        Dialect = dialect;
        Schema = schema;
        _offers = offers;
        _rates = rates;
        BronzeRules =
        [
            new("valid_event_id",
                "event_id IS NOT NULL AND regexp_like(event_id, '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')",
                "invalid_event_id"),
            new("valid_kind", "kind IS NOT NULL AND kind IN ('impression', 'click', 'conversion')", "invalid_kind"),
            new("has_times", "occurred_at IS NOT NULL AND received_at IS NOT NULL", "missing_time"),
            new("valid_status",
                "(kind IS NULL OR kind <> 'conversion' OR status IS NULL OR status IN ('approved', 'pending', 'rejected'))",
                "invalid_status"),
        ];
    }

    /// <summary>The dialect the statements are written for.</summary>
    public MedallionSqlDialect Dialect { get; }

    /// <summary>The schema (or catalog.schema) that qualifies every dataset name, or <see langword="null"/> for unqualified names.</summary>
    public string? Schema { get; }

    /// <summary>The bronze reject rules, in the order their reasons are chosen.</summary>
    public IReadOnlyList<MedallionSqlRule> BronzeRules { get; }

    /// <summary>Builds the model for an offer catalog and currency settings.</summary>
    /// <param name="catalog">Every offer the conversions may be attributed to (ids match exactly).</param>
    /// <param name="options">Report currency and exchange rates.</param>
    /// <param name="dialect">The target engine.</param>
    /// <param name="schema">Optional <c>schema</c> or <c>database.schema</c> qualifying every dataset name.</param>
    /// <returns>The model.</returns>
    /// <exception cref="ArgumentException">An offer id, currency, rate or amount cannot be written as portable SQL.</exception>
    public static MedallionSqlModel Create(IOfferCatalog catalog, MedallionOptions options, MedallionSqlDialect dialect, string? schema = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(dialect);
        if (schema is not null)
        {
            SqlIdentifier.ThrowIfInvalidQualified(schema, nameof(schema));
        }

        return new MedallionSqlModel(dialect, schema, OffersSql(catalog, dialect), RatesSql(options, dialect));
    }

    /// <summary>A dataset name, qualified with <see cref="Schema"/>.</summary>
    /// <param name="dataset">One of <see cref="MedallionSqlTables"/>.</param>
    /// <returns>The name to reference it by.</returns>
    public string Qualify(string dataset)
    {
        SqlIdentifier.ThrowIfInvalid(dataset, nameof(dataset));
        return Schema is null ? dataset : Schema + "." + dataset;
    }

    /// <summary>The rows of bronze that break a rule, with the file and the reason.</summary>
    /// <param name="bronze">The bronze relation (a table name or a function call).</param>
    /// <param name="fileColumn">The column holding the source file name, or <see langword="null"/>.</param>
    /// <returns>A SELECT of <c>bronze_file, event_id, kind, reason</c>.</returns>
    public string Rejects(string bronze, string? fileColumn = "bronze_file")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(bronze);
        var sb = new StringBuilder();
        sb.Append("SELECT ").Append(fileColumn ?? $"CAST(NULL AS {Dialect.StringType})").Append(" AS bronze_file, event_id, kind,").Append(Ws);
        sb.Append("    CASE").Append(Ws);
        foreach (var rule in BronzeRules)
        {
            sb.Append("        WHEN NOT (").Append(rule.Condition).Append(") THEN '").Append(rule.Reason).Append('\'').Append(Ws);
        }

        sb.Append("    END AS reason").Append(Ws);
        sb.Append("FROM ").Append(bronze).Append(Ws);
        sb.Append("WHERE NOT (").Append(AllRules()).Append(')');
        return sb.ToString();
    }

    /// <summary>
    /// Every valid event once: the survivor among the rows sharing an event id is the earliest <c>occurred_at</c>, then
    /// the earliest <c>received_at</c>.
    /// </summary>
    /// <param name="bronze">The bronze relation.</param>
    /// <param name="bronzeIsValidated">Whether <paramref name="bronze"/> already holds only rows that pass <see cref="BronzeRules"/>.</param>
    /// <returns>A SELECT of the silver_events columns.</returns>
    public string SilverEvents(string bronze, bool bronzeIsValidated = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(bronze);
        return $"""
            SELECT event_id, kind, occurred_at, received_at, click_id, {Dimensions},
                transaction_id, status, sale_amount, sale_currency, ip_hash, user_agent, is_bot
            FROM (
                SELECT LOWER(event_id) AS event_id, kind, occurred_at, received_at, click_id, offer_id, affiliate_id, campaign_id,
                    sub1, sub2, sub3, sub4, sub5, country, transaction_id,
                    CASE WHEN kind = 'conversion' THEN COALESCE(status, 'approved') END AS status,
                    CAST(sale_amount AS {Amount}) AS sale_amount, UPPER(sale_currency) AS sale_currency,
                    ip_hash, user_agent, COALESCE(is_bot, FALSE) AS is_bot,
                    ROW_NUMBER() OVER (PARTITION BY LOWER(event_id) ORDER BY occurred_at, received_at) AS survivor_rank
                FROM {bronze}{(bronzeIsValidated ? string.Empty : "\n    WHERE " + AllRules())}
            ) ranked
            WHERE survivor_rank = 1
            """;
    }

    /// <summary>Impressions from silver_events.</summary>
    public string SilverImpressions => $"""
        SELECT event_id, occurred_at, received_at, {Dimensions}
        FROM {Qualify(MedallionSqlTables.SilverEvents)}
        WHERE kind = 'impression'
        """;

    /// <summary>Clicks from silver_events, with the visitor key <c>ip_hash || '|' || user_agent</c> (missing parts empty).</summary>
    public string SilverClicks => $"""
        SELECT event_id, click_id, occurred_at, received_at, {Dimensions},
            COALESCE(ip_hash, '') || '|' || COALESCE(user_agent, '') AS visitor_key, is_bot
        FROM {Qualify(MedallionSqlTables.SilverEvents)}
        WHERE kind = 'click'
        """;

    /// <summary>
    /// Conversions: attributed to the survivor click of their click id within the click's offer's window (dimensions from
    /// the click), deduplicated by (offer, transaction id or event id), priced from the catalog in the report currency.
    /// Money is rounded to 6 places half away from zero after every multiplication, exactly (division is corrected to
    /// the last place with an exact multiplication).
    /// </summary>
    public string SilverConversions
    {
        get
        {
            var d = Dialect;
            return $"""
                WITH offers AS (
                {Indent(_offers, 4)}
                ),
                rates AS (
                {Indent(_rates, 4)}
                ),
                click_survivors AS (
                    SELECT event_id, click_id, occurred_at, {Dimensions}
                    FROM (
                        SELECT c.*, ROW_NUMBER() OVER (PARTITION BY click_id ORDER BY occurred_at, received_at, event_id) AS click_rank
                        FROM {Qualify(MedallionSqlTables.SilverClicks)} c
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
                             WHEN {d.MicrosBetween("c.occurred_at", "e.occurred_at")} > o.window_us THEN 'outside_window'
                        END AS reason
                    FROM {Qualify(MedallionSqlTables.SilverEvents)} e
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
                        CAST(ROUND(sale_amount * sale_rate, 6) AS {Amount}) AS sale_report
                    FROM priced p
                ),
                sale_guess AS (
                    SELECT r.*, CAST(ROUND({d.Divide("sale_report", "offer_rate")}, 6) AS {Amount}) AS sale_guess
                    FROM sale_in_report r
                ),
                sale_in_offer AS (
                    SELECT g.*,
                        CASE WHEN has_money = 0 OR needs_sale = 0 THEN CAST(0 AS {Amount})
                             WHEN sale_currency = offer_currency THEN sale_amount
                             WHEN (sale_guess + CAST(0.0000005 AS DECIMAL(7,7))) * offer_rate <= sale_report
                                 THEN CAST(sale_guess + CAST(0.000001 AS DECIMAL(7,6)) AS {Amount})
                             WHEN (sale_guess - CAST(0.0000005 AS DECIMAL(7,7))) * offer_rate > sale_report
                                 THEN CAST(sale_guess - CAST(0.000001 AS DECIMAL(7,6)) AS {Amount})
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
                    {Commission("rev")} AS revenue,
                    {Commission("pay")} AS payout,
                    CASE WHEN reason IS NOT NULL THEN reason WHEN has_money = 0 THEN 'no_exchange_rate' END AS reason
                FROM sale_in_offer
                """;
        }
    }

    /// <summary>Gold by UTC hour: one row per hour and dimensions (metric definitions in docs/data-model.md).</summary>
    public string GoldHourly => Gold("hour", Dialect.HourStart("occurred_at"));

    /// <summary>Gold by UTC date: one row per date and dimensions.</summary>
    public string GoldDaily => Gold("day", Dialect.Date("occurred_at"));

    private string Gold(string periodColumn, string period)
    {
        var text = Dialect.StringType;
        return $"""
            SELECT period AS {periodColumn}, {Dimensions},
                CAST(SUM(CASE WHEN fact = 0 THEN 1 ELSE 0 END) AS BIGINT) AS impressions,
                CAST(SUM(CASE WHEN fact = 1 AND NOT is_bot THEN 1 ELSE 0 END) AS BIGINT) AS clicks,
                CAST(COUNT(DISTINCT CASE WHEN fact = 1 AND NOT is_bot THEN visitor_key END) AS BIGINT) AS unique_clicks,
                CAST(SUM(CASE WHEN fact = 1 AND is_bot THEN 1 ELSE 0 END) AS BIGINT) AS bot_clicks,
                CAST(SUM(CASE WHEN fact = 2 AND status = 'approved' THEN 1 ELSE 0 END) AS BIGINT) AS conversions,
                CAST(SUM(CASE WHEN fact = 2 AND status = 'pending' THEN 1 ELSE 0 END) AS BIGINT) AS pending_conversions,
                CAST(SUM(CASE WHEN fact = 2 AND status = 'rejected' THEN 1 ELSE 0 END) AS BIGINT) AS rejected_conversions,
                CAST(COALESCE(SUM(CASE WHEN fact = 2 AND status = 'approved' THEN revenue END), 0) AS {Money}) AS revenue,
                CAST(COALESCE(SUM(CASE WHEN fact = 2 AND status = 'approved' THEN payout END), 0) AS {Money}) AS payout
            FROM (
                SELECT {period} AS period, {Dimensions}, 0 AS fact, CAST(NULL AS {text}) AS visitor_key, FALSE AS is_bot,
                    CAST(NULL AS {text}) AS status, CAST(NULL AS {Money}) AS revenue, CAST(NULL AS {Money}) AS payout
                FROM {Qualify(MedallionSqlTables.SilverImpressions)}
                UNION ALL
                SELECT {period}, {Dimensions}, 1, visitor_key, is_bot, CAST(NULL AS {text}), CAST(NULL AS {Money}), CAST(NULL AS {Money})
                FROM {Qualify(MedallionSqlTables.SilverClicks)}
                UNION ALL
                SELECT {period}, {Dimensions}, 2, CAST(NULL AS {text}), FALSE, status, revenue, payout
                FROM {Qualify(MedallionSqlTables.SilverConversions)}
                WHERE click_event_id IS NOT NULL
            ) facts
            GROUP BY period, {Dimensions}
            """;
    }

    private static string Commission(string prefix) =>
        $"CASE WHEN has_money = 1 THEN CAST(ROUND(CAST(CASE WHEN {prefix}_kind = 1 THEN {prefix}_value ELSE ROUND(sale_in_offer * {prefix}_value, 6) END AS DECIMAL(24,10)) * offer_rate, 6) AS {Money}) ELSE CAST(0 AS {Money}) END";

    private string AllRules() => string.Join(" AND ", BronzeRules.Select(r => "(" + r.Condition + ")"));

    private static string Indent(string text, int spaces)
    {
        var pad = new string(' ', spaces);
        return pad + text.Replace("\n", "\n" + pad, StringComparison.Ordinal);
    }

    /// <summary>
    /// The catalog as rows: id, currency, window in microseconds, and for revenue and payout the kind (1 flat, 2 share)
    /// and the value (a flat amount, or the percentage / 100).
    /// </summary>
    private static string OffersSql(IOfferCatalog catalog, MedallionSqlDialect dialect)
    {
        var offers = catalog.Offers.OrderBy(o => o.Id, StringComparer.Ordinal).ToList();
        const string Columns = "offer_id, currency, window_us, rev_kind, rev_value, pay_kind, pay_value";
        if (offers.Count == 0)
        {
            var s = dialect.StringType;
            return $"SELECT CAST(NULL AS {s}) AS offer_id, CAST(NULL AS {s}) AS currency, CAST(NULL AS BIGINT) AS window_us, " +
                $"CAST(NULL AS INT) AS rev_kind, CAST(NULL AS {Rate}) AS rev_value, CAST(NULL AS INT) AS pay_kind, CAST(NULL AS {Rate}) AS pay_value WHERE 1 = 0";
        }

        var rows = new List<string>(offers.Count);
        foreach (var o in offers)
        {
            var id = SqlIdentifier.StringLiteral(o.Id, $"offer '{o.Id}'");
            var currency = Currency(o.Currency, $"the currency of offer '{o.Id}'");
            var window = (o.AttributionWindow.Ticks / 10).ToString(CultureInfo.InvariantCulture);
            rows.Add($"({id}, '{currency}', CAST({window} AS BIGINT), {Kind(o.Revenue)}, CAST({Value(o.Revenue, o.Id, "revenue")} AS {Rate}), " +
                $"{Kind(o.Payout)}, CAST({Value(o.Payout, o.Id, "payout")} AS {Rate}))");
        }

        return Values(rows, Columns);
    }

    /// <summary>
    /// <c>SELECT * FROM (VALUES …) AS v (columns)</c>, split into UNION ALL blocks: Snowflake takes at most 16,384 rows
    /// in one VALUES clause. Numbers are cast in each row so no engine has to find a common type across rows.
    /// </summary>
    private static string Values(List<string> rows, string columns)
    {
        const int MaxRows = 10_000;
        var sb = new StringBuilder();
        for (var start = 0; start < rows.Count; start += MaxRows)
        {
            if (start > 0)
            {
                sb.Append(Ws).Append("UNION ALL").Append(Ws);
            }

            sb.Append("SELECT * FROM (VALUES").Append(Ws);
            var end = Math.Min(rows.Count, start + MaxRows);
            for (var i = start; i < end; i++)
            {
                sb.Append("    ").Append(rows[i]).Append(i + 1 < end ? "," : string.Empty).Append(Ws);
            }

            sb.Append(") AS v (").Append(columns).Append(')');
        }

        return sb.ToString();
    }

    private static string RatesSql(MedallionOptions options, MedallionSqlDialect dialect)
    {
        var report = Currency(options.ReportCurrency, "the report currency (AffiliateSdk:Medallion:ReportCurrency)");
        var rates = new SortedDictionary<string, decimal>(StringComparer.Ordinal) { [report] = 1m };
        foreach (var (currency, rate) in options.ExchangeRates)
        {
            var code = Currency(currency, $"exchange rate key '{currency}' (AffiliateSdk:Medallion:ExchangeRates)");
            if (rate > 0m && code != report)
            {
                rates[code] = rate;
            }
        }

        _ = dialect;
        var rows = rates.Select(r => $"('{r.Key}', CAST({Decimal(r.Value, $"AffiliateSdk:Medallion:ExchangeRates:{r.Key}")} AS {Rate}))").ToList();
        return Values(rows, "currency, rate");
    }

    private static int Kind(CommissionRule rule) => rule.Kind == CommissionKind.RevenueShare ? 2 : 1;

    private static string Value(CommissionRule rule, string offerId, string what) => rule.Kind == CommissionKind.RevenueShare
        ? Decimal(rule.Value / 100m, $"the {what} percentage of offer '{offerId}'", extraScale: 2)
        : Decimal(rule.Value, $"the {what} amount of offer '{offerId}'");

    private static string Decimal(decimal value, string what, int extraScale = 0)
    {
        var normalized = value / 1.0000000000000000000000000000m;
        if (normalized.Scale > RateScale || Math.Abs(value) >= 100_000_000m)
        {
            throw new ArgumentException(
                $"{what} is {value.ToString(CultureInfo.InvariantCulture)}: SQL engines take at most {RateScale - extraScale} decimal places and values below 10^8 here.");
        }

        return normalized.ToString(CultureInfo.InvariantCulture);
    }

    private static string Currency(string? currency, string what)
    {
        if (currency is null || currency.Length != 3 || !currency.All(char.IsAsciiLetter))
        {
            throw new ArgumentException($"{what} is '{currency}': expected a three-letter ISO-4217 code.");
        }

        return currency.ToUpperInvariant();
    }
}
