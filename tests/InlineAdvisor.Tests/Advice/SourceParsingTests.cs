// One set of parse options: under #if, the lens (LanguageServer.SourceAnchors) and the code action (Advice.SourceWorkspace)
// must see the same branch, so the attribute a code action adds lands on the declaration the lens is on.
using InlineAdvisor.Advice;
using InlineAdvisor.Core;
using InlineAdvisor.LanguageServer;
using InlineAdvisor.Tests.EndToEnd;
using Xunit;

namespace InlineAdvisor.Tests.Advice;

public sealed class SourceParsingTests : IDisposable
{
    private readonly TempDir _dir = new();
    public void Dispose() => _dir.Dispose();

    // Each method has one declaration per branch; the marker comment names the branch a Release build of net10.0 compiles.
    private const string Conditional = """
        using System.Runtime.CompilerServices;

        namespace P;

        public static class Q
        {
        #if DEBUG
            public static int Pick(int x) => x + 100;        // debug
        #else
            public static int Pick(int x) => x + 1;          // release
        #endif

        #if RELEASE
            public static int OnlyRelease(int x) => x;       // only-release
        #endif

        #if NET8_0_OR_GREATER && !SOMETHING
            public static int Modern(long x) => (int)x;      // modern
        #else
            public static int Modern(int x) => x;            // legacy
        #endif
        }

        """;

    [Theory]
    [InlineData("Pick", "int32  (int32)", "// release")]
    [InlineData("OnlyRelease", "int32  (int32)", "// only-release")]
    [InlineData("Modern", "int32  (int64)", "// modern")]
    public void Lens_placement_and_the_code_action_find_the_same_declaration_under_if(string name, string signature, string marker)
    {
        var path = _dir.File("Q.cs");
        File.WriteAllText(path, Conditional);
        int expected = Array.FindIndex(Conditional.Split('\n'), l => l.Contains(marker));

        var lens = Assert.Single(SourceAnchors.Declarations(SourceAnchors.ParseText(Conditional, path)), d => d.Type == "P.Q" && d.Name == name);
        var plan = SourceWorkspace.Load(_dir.Path).Plan(new MethodIdentity("P", "P.Q", name, signature), InlineAction.Force);

        Assert.True(plan.Status == ApplyStatus.Applied, plan.Detail);
        var change = Assert.Single(plan.File!.Changes);   // the using is already there: only the attribute is added
        Assert.Equal(expected, lens.NameStart.Line);
        Assert.Equal(expected, plan.File.Text.Lines.GetLineFromPosition(change.Span.Start).LineNumber);
    }

    [Fact]
    public void Lens_placement_parses_with_the_one_set_of_options()
    {
        var tree = SourceAnchors.ParseText(Conditional, _dir.File("Q.cs"));
        Assert.Equal(SourceParsing.Options.PreprocessorSymbolNames, tree.Options.PreprocessorSymbolNames);
        Assert.Equal(SourceParsing.Options.LanguageVersion, ((Microsoft.CodeAnalysis.CSharp.CSharpParseOptions)tree.Options).LanguageVersion);
        Assert.DoesNotContain("DEBUG", SourceParsing.Options.PreprocessorSymbolNames);
    }
}
