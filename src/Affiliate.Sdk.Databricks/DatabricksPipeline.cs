using System.Text;

namespace Affiliate.Sdk.Databricks;

/// <summary>A generated pipeline: the SQL source and the pipeline settings, ready to review and deploy.</summary>
public sealed class DatabricksPipeline
{
    /// <summary>File name of the SQL source.</summary>
    public const string SqlFileName = "medallion.sql";

    /// <summary>File name of the pipeline settings.</summary>
    public const string SettingsFileName = "pipeline.json";

    internal DatabricksPipeline(string sql, string settingsJson)
    {
        Sql = sql;
        SettingsJson = settingsJson;
    }

    /// <summary>The pipeline's SQL source: one statement per dataset, in dependency order.</summary>
    public string Sql { get; }

    /// <summary>The pipeline settings (JSON for the Pipelines API or <c>databricks pipelines create --json</c>).</summary>
    public string SettingsJson { get; }

    /// <summary>Writes <see cref="SqlFileName"/> and <see cref="SettingsFileName"/> to a directory (created if missing).</summary>
    /// <param name="directory">The target directory.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task completing when both files are written.</returns>
    public async Task WriteAsync(string directory, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory.CreateDirectory(directory);
        var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        await File.WriteAllTextAsync(Path.Combine(directory, SqlFileName), Sql, utf8, cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(directory, SettingsFileName), SettingsJson, utf8, cancellationToken).ConfigureAwait(false);
    }
}
