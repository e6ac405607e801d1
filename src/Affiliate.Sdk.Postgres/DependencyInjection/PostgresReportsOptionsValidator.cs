using System.Text.RegularExpressions;
using Affiliate.Sdk.Postgres;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Affiliate.Sdk.DependencyInjection;

/// <summary>Checks <see cref="PostgresReportsOptions"/> at start; every message names the setting and never repeats the connection string.</summary>
internal sealed partial class PostgresReportsOptionsValidator : IValidateOptions<PostgresReportsOptions>
{
    private const string P = PostgresReportsOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, PostgresReportsOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            errors.Add($"{P}:ConnectionString must be set (for example Host=…;Database=…;Username=…; keep the password in secrets).");
        }
        else
        {
            try
            {
                _ = new NpgsqlConnectionStringBuilder(options.ConnectionString);
            }
            catch (ArgumentException)
            {
                // The message of the parser may quote the string (and so the password): say only that it is malformed.
                errors.Add($"{P}:ConnectionString is not a valid Npgsql connection string.");
            }
        }

        if (!IsValidSchema(options.Schema))
        {
            errors.Add($"{P}:Schema must be a lower-case SQL identifier of letters, digits and '_' (at most 63, not starting with a digit) (was '{options.Schema}').");
        }

        if (options.LoadInterval <= TimeSpan.Zero || options.LoadInterval > TimeSpan.FromDays(1))
        {
            errors.Add($"{P}:LoadInterval must be positive and at most a day (was {options.LoadInterval}).");
        }

        if (options.MaxBackoff < options.LoadInterval)
        {
            errors.Add($"{P}:MaxBackoff must be at least LoadInterval (was {options.MaxBackoff}).");
        }

        if (options.CommandTimeoutSeconds < 0)
        {
            errors.Add($"{P}:CommandTimeoutSeconds must be 0 (no limit) or more (was {options.CommandTimeoutSeconds}).");
        }

        if (options.LoadTimeout <= TimeSpan.Zero || options.LoadTimeout > TimeSpan.FromDays(1))
        {
            errors.Add($"{P}:LoadTimeout must be positive and at most a day (was {options.LoadTimeout}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    internal static bool IsValidSchema(string? schema) => schema is not null && SchemaPattern().IsMatch(schema);

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex SchemaPattern();
}
