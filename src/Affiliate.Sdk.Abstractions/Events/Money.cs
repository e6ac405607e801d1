using System.Globalization;
using System.Text.Json.Serialization;

namespace Affiliate.Sdk.Events;

/// <summary>
/// An amount of money in an ISO-4217 currency. Money is <see cref="decimal"/> end to end: never floating point.
/// </summary>
public readonly record struct Money
{
    /// <summary>The largest absolute amount accepted (the lake stores decimal(18,6)).</summary>
    public const decimal MaxAbsoluteAmount = 999_999_999_999.999999m;

    /// <summary>The most decimal places an amount may carry.</summary>
    public const int MaxScale = 6;

    /// <summary>Creates an amount in a currency.</summary>
    /// <param name="amount">The amount, at most <see cref="MaxScale"/> decimal places.</param>
    /// <param name="currency">An ISO-4217 alphabetic code such as <c>USD</c> (three ASCII letters, upper-cased here).</param>
    /// <exception cref="ArgumentException">The currency is not three ASCII letters or the amount is out of range.</exception>
    [JsonConstructor]
    public Money(decimal amount, string currency)
    {
        if (!TryNormalizeCurrency(currency, out var normalized))
        {
            throw new ArgumentException($"Currency '{currency}' is not an ISO-4217 code (three letters).", nameof(currency));
        }

        if (Math.Abs(amount) > MaxAbsoluteAmount || amount.Scale > MaxScale)
        {
            throw new ArgumentException(
                $"Amount {amount.ToString(CultureInfo.InvariantCulture)} is out of range (at most {MaxScale} decimal places and absolute value below 10^12).",
                nameof(amount));
        }

        Amount = amount;
        Currency = normalized;
    }

    /// <summary>The amount.</summary>
    public decimal Amount { get; }

    /// <summary>The ISO-4217 currency code, upper case.</summary>
    public string Currency { get; }

    /// <summary>Checks and upper-cases a currency code.</summary>
    /// <param name="currency">The candidate code.</param>
    /// <param name="normalized">The upper-case code when valid.</param>
    /// <returns><see langword="true"/> when the code is three ASCII letters.</returns>
    public static bool TryNormalizeCurrency(string? currency, out string normalized)
    {
        normalized = string.Empty;
        if (currency is null || currency.Length != 3)
        {
            return false;
        }

        foreach (var c in currency)
        {
            if (!char.IsAsciiLetter(c))
            {
                return false;
            }
        }

        normalized = currency.ToUpperInvariant();
        return true;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Amount.ToString(CultureInfo.InvariantCulture)} {Currency}";
}
