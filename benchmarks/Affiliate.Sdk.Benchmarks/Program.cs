using BenchmarkDotNet.Running;

// Run one with: dotnet run -c Release --project benchmarks/Affiliate.Sdk.Benchmarks -- --filter '*LocalLog*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);

/// <summary>Entry point of the benchmarks.</summary>
public partial class Program;
