using Npgsql;

namespace Affiliate.Sdk.Postgres.Internal;

/// <summary>Runs the migrations once per component; a failed attempt (database down) is retried by the next caller.</summary>
internal sealed class SchemaGate(NpgsqlDataSource dataSource, string schema)
{
    private readonly Lock _sync = new();
    private Task? _migration;

    public static SchemaGate For(NpgsqlDataSource dataSource, string schema) => new(dataSource, schema);

    public Task EnsureAsync(CancellationToken cancellationToken)
    {
        lock (_sync)
        {
            if (_migration is null || _migration.IsFaulted || _migration.IsCanceled)
            {
                // Shared by every caller, so one caller's cancellation does not fail the others.
                _migration = PostgresMigrations.MigrateAsync(dataSource, schema, CancellationToken.None);
            }

            return _migration.WaitAsync(cancellationToken);
        }
    }
}
