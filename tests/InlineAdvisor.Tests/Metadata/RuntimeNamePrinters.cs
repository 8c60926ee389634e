// Every printer of runtime names as the recorded-names oracle (ObservedRuntimeNames) asks it: metadata's RuntimeNames over
// the built test assembly, and Advice's RuntimeSignature over Roslyn's symbols of the same fixture source.
using InlineAdvisor.Advice;
using InlineAdvisor.Core;
using InlineAdvisor.Metadata;
using InlineAdvisor.Tests.EndToEnd;
using Microsoft.CodeAnalysis;

namespace InlineAdvisor.Tests.Metadata;

internal static class RuntimeNamePrinters
{
    public const string Metadata = "metadata";
    public const string Source = "source";

    /// <summary>Each printer by name, for theories: a new printer of runtime names joins here, not a new test.</summary>
    public static readonly string[] All = [Metadata, Source];

    /// <summary>The identities <paramref name="printer"/> prints for the declarations an event's (type, name, signature)
    /// names: each must be the event's own strings. Null when the printer has no declaration to print: members the
    /// compiler generates (lambdas, iterators, display classes) exist in metadata but not in source.</summary>
    public static IReadOnlyList<MethodIdentity>? Printed(string printer, string eventType, string name, string signature) => printer switch
    {
        Metadata => MetadataTestSupport.Self.FindMethod(eventType, name, signature)?.Candidates.Select(c => c.Identity).ToList() ?? [],
        Source => FromSource(RuntimeNames.NormalizeTypeName(eventType), name, signature),
        _ => throw new ArgumentOutOfRangeException(nameof(printer), printer, null),
    };

    /// <summary>The signatures the source printer gives every overload of (type, name): the message when none matched.</summary>
    public static string SourceOverloads(string type, string name) =>
        string.Join("; ", SourceMethods(type, name).Select(m => RuntimeSignature.Of(m).Display));

    static IReadOnlyList<MethodIdentity>? FromSource(string type, string name, string signature)
    {
        if (type.Contains('<') || name.StartsWith('<')) return null;
        return SourceMethods(type, name)
            .Select(RuntimeSignature.Of)
            .Where(s => s.IsExact && s.Display == signature)   // exact: every fixture type resolves, so no wildcards
            .Select(s => new MethodIdentity(MetadataTestSupport.Self.Name, type, name, s.Display))
            .ToList();
    }

    static IEnumerable<IMethodSymbol> SourceMethods(string type, string name) =>
        Fixtures.Value.Projects
            .Select(p => p.Compilation.Assembly.GetTypeByMetadataName(type))
            .OfType<INamedTypeSymbol>()
            .SelectMany(t => t.GetMembers().OfType<IMethodSymbol>())
            .Where(m => m.MetadataName == name);

    /// <summary>The fixture source compiled by Roslyn the way `apply --source` compiles a tree (loaded once).</summary>
    static readonly Lazy<SourceTree> Fixtures = new(() =>
        SourceTree.Load(Path.Combine(Repo.Root, "tests", "InlineAdvisor.Tests", "Metadata", "Fixtures")));
}
