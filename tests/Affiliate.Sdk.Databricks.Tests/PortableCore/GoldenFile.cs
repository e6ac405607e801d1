using System.Text;

namespace Affiliate.Sdk.PortableCore.Tests;

/// <summary>
/// Golden files: generated text compared exactly with a file checked in next to the test. Set the environment variable
/// <c>AFFILIATE_UPDATE_GOLDEN=1</c> to rewrite them from the generator (then review the diff and commit it).
/// </summary>
public static class GoldenFile
{
    public const string UpdateVariable = "AFFILIATE_UPDATE_GOLDEN";

    public static void AssertMatches(string actual, string fileName)
    {
        var path = Path.Combine(ProjectDirectory(), "Golden", fileName);
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, actual, new UTF8Encoding(false));
            return;
        }

        Assert.True(File.Exists(path), $"golden file {fileName} is missing: run the tests with {UpdateVariable}=1 to create it");
        var expected = File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal);
        if (expected != actual)
        {
            var line = FirstDifferentLine(expected, actual);
            Assert.Fail($"{fileName} differs from the generator's output at line {line.Number}:\n  golden:    {line.Expected}\n  generated: {line.Actual}\n" +
                $"If the change is intended, run the tests with {UpdateVariable}=1 and review the diff.");
        }
    }

    /// <summary>The test project's source directory: the nearest folder above the test assembly holding a .csproj.</summary>
    private static string ProjectDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (dir.EnumerateFiles("*.csproj").Any())
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("The test project's directory was not found above " + AppContext.BaseDirectory);
    }

    private static (int Number, string? Expected, string? Actual) FirstDifferentLine(string expected, string actual)
    {
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        for (var i = 0; i < Math.Max(e.Length, a.Length); i++)
        {
            var el = i < e.Length ? e[i] : null;
            var al = i < a.Length ? a[i] : null;
            if (el != al)
            {
                return (i + 1, el, al);
            }
        }

        return (0, null, null);
    }
}
