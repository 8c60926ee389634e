// The one set of Roslyn parse options for C# source: lens placement (LanguageServer.SourceAnchors) and code actions and
// `apply --source` (SourceTree) must see the same declarations, and under #if they only do when they parse alike.
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace InlineAdvisor.Advice;

/// <summary>How source is parsed wherever a profile's methods are looked for in it.</summary>
public static class SourceParsing
{
    /// <summary>
    /// Preview language (newer syntax than the SDK's default must still parse), doc comments parsed (an added attribute
    /// goes after them), and the preprocessor symbols the SDK defines for a Release build of net10.0. DEBUG is not
    /// defined: profiles and advice are about optimized code, so the branches a Release build compiles are the ones
    /// whose methods were measured. The project files are not evaluated, so a project's own DefineConstants are not seen.
    /// </summary>
    public static readonly CSharpParseOptions Options = new(
        LanguageVersion.Preview, DocumentationMode.Parse, SourceCodeKind.Regular,
        ["RELEASE", "TRACE", "NET", "NETCOREAPP", "NET10_0", "NET5_0_OR_GREATER", "NET6_0_OR_GREATER", "NET7_0_OR_GREATER",
         "NET8_0_OR_GREATER", "NET9_0_OR_GREATER", "NET10_0_OR_GREATER", "NETCOREAPP3_1_OR_GREATER"]);

    /// <summary>Parses <paramref name="text"/> of the file at <paramref name="path"/> with <see cref="Options"/>.</summary>
    public static SyntaxTree Parse(SourceText text, string path) => CSharpSyntaxTree.ParseText(text, Options, path);
}
