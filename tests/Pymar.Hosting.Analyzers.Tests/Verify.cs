using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace Pymar.Hosting.Analyzers.Tests;

/// <summary>
/// Runs an analyzer (and a code fix) over test sources compiled against this process's .NET and the built
/// Pymar.Hosting (its dependencies are this test's), so no reference assemblies are downloaded.
/// </summary>
internal static class Verify
{
    public static ReferenceAssemblies References { get; } = new("net10.0");

    public static IEnumerable<MetadataReference> Assemblies { get; } = LoadAssemblies();

    public static Task AnalyzerAsync<TAnalyzer>(string source, params DiagnosticResult[] expected)
        where TAnalyzer : DiagnosticAnalyzer, new()
    {
        var test = new CSharpAnalyzerTest<TAnalyzer, DefaultVerifier> { TestCode = source, ReferenceAssemblies = References };
        test.TestState.AdditionalReferences.AddRange(Assemblies);
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    public static Task CodeFixAsync<TAnalyzer, TCodeFix>(string source, string fixedSource, params DiagnosticResult[] expected)
        where TAnalyzer : DiagnosticAnalyzer, new()
        where TCodeFix : CodeFixProvider, new()
    {
        var test = new CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier> { TestCode = source, FixedCode = fixedSource, ReferenceAssemblies = References };
        test.TestState.AdditionalReferences.AddRange(Assemblies);
        test.FixedState.AdditionalReferences.AddRange(Assemblies);
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    public static DiagnosticResult Diagnostic(string id) => new(id, DiagnosticSeverity.Warning);

    private static List<MetadataReference> LoadAssemblies()
    {
        var platform = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        // The platform list holds .NET and this test's dependencies, Pymar.Hosting among them.
        return platform.Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToList();
    }
}
