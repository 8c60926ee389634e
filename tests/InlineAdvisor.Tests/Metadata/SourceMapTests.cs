// Checks PDB lookups: call sites map to the marked source lines, hidden points are skipped, missing PDBs give null, and checksums detect stale files.
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using InlineAdvisor.Metadata;
using InlineAdvisor.Tests.Metadata.Shapes;
using Xunit;
using static InlineAdvisor.Tests.Metadata.MetadataTestSupport;

namespace InlineAdvisor.Tests.Metadata;

public class SourceMapTests
{
    static int Token(string name) => Method(typeof(CallSiteFixtures), name).MetadataToken;

    static string FixtureFile =>
        Self.Sources!.Documents.Single(d => d.Replace('\\', '/').EndsWith("Metadata/Fixtures/CallSiteFixtures.cs"));

    [Fact]
    public void CallSitesMapToTheirStatementLine()
    {
        var file = FixtureFile;
        Assert.True(File.Exists(file));
        int line = LineOf(file, "// @site:TwoCalls");
        int column = File.ReadAllLines(file)[line - 1].IndexOf("Helper(a) + Hot(a)") + 1;
        foreach (var site in Self.GetCallSites(Token(nameof(CallSiteFixtures.TwoCalls))))
            Assert.Equal(new InlineAdvisor.Core.SourceLocation(file, line, column), Self.GetSourceLocation(Token(nameof(CallSiteFixtures.TwoCalls)), site.IlOffset));

        var sites = Self.GetCallSites(Token(nameof(CallSiteFixtures.Lines)));
        var helper = sites.Single(s => s.Callee!.Name == "Helper");
        var hot = sites.Single(s => s.Callee!.Name == "Hot");
        Assert.Equal(LineOf(file, "// @line:Lines1"), Self.GetSourceLocation(Token(nameof(CallSiteFixtures.Lines)), helper.IlOffset)!.Line);
        Assert.Equal(LineOf(file, "// @line:Lines2"), Self.GetSourceLocation(Token(nameof(CallSiteFixtures.Lines)), hot.IlOffset)!.Line);
        Assert.Equal(17, Self.GetSourceLocation(Token(nameof(CallSiteFixtures.Lines)), hot.IlOffset)!.Column); // "x += Hot(x);" indented 16
    }

    [Fact]
    public void FirstLineIsTheLowestVisibleLine()
    {
        var file = FixtureFile;
        Assert.Equal(LineOf(file, "// @site:TwoCalls"), Self.GetFirstLine(Token(nameof(CallSiteFixtures.TwoCalls)))!.Line);
        int statement = LineOf(file, "// @line:Lines1");
        // Debug builds put a sequence point on the opening brace (one line above); Release starts at the statement.
        Assert.Equal(IsOptimized ? statement : statement - 1, Self.GetFirstLine(Token(nameof(CallSiteFixtures.Lines)))!.Line);
    }

    [Fact]
    public void OffsetsInsideHiddenRegionsTakeTheNearestPrecedingVisiblePoint()
    {
        // Switch expressions emit hidden sequence points for their dispatch code.
        int token = Token(nameof(CallSiteFixtures.Switchy));
        var pdbPath = Self.Sources!.PdbPath;
        using var provider = MetadataReaderProvider.FromPortablePdbStream(File.OpenRead(pdbPath));
        var pdb = provider.GetMetadataReader();
        var points = pdb.GetMethodDebugInformation(MetadataTokens.MethodDebugInformationHandle(token & 0xFFFFFF)).GetSequencePoints().ToList();
        Assert.Contains(points, p => p.IsHidden);
        int checkedHidden = 0;
        foreach (var hidden in points.Where(p => p.IsHidden))
        {
            var visibleBefore = points.Where(p => !p.IsHidden && p.Offset <= hidden.Offset).MaxBy(p => p.Offset);
            var got = Self.GetSourceLocation(token, hidden.Offset);
            if (visibleBefore.Document.IsNil) { Assert.Null(got); continue; }
            Assert.NotNull(got);
            Assert.Equal(visibleBefore.StartLine, got!.Line);
            Assert.Equal(visibleBefore.StartColumn, got.Column);
            checkedHidden++;
        }
        Assert.True(checkedHidden > 0);
        // Every call site has a location.
        Assert.All(Self.GetCallSites(token), s => Assert.NotNull(Self.GetSourceLocation(token, s.IlOffset)));
    }

    [Fact]
    public void NoPdbMeansNullNotAnException()
    {
        var corelib = Catalog.Open(typeof(object).Assembly.Location)!; // the shared framework ships without PDBs
        var method = corelib.Methods.First(m => m.IlSize > 0);
        Assert.Null(corelib.Sources);
        Assert.Null(corelib.GetSourceLocation(method.Token, 0));
        Assert.Null(corelib.GetFirstLine(method.Token));
        Assert.Null(corelib.GetDocumentChecksum("/nowhere/x.cs"));
    }

    [Fact]
    public void ChecksumDetectsAStaleSource()
    {
        var file = FixtureFile;
        var checksum = Self.GetDocumentChecksum(file);
        Assert.NotNull(checksum);
        Assert.Equal("SHA256", checksum!.Algorithm);
        Assert.Equal(64, checksum.HashHex.Length);
        Assert.True(checksum.Matches(file));

        // Found by trailing path segments too (PDBs built with path maps store "/_/…").
        Assert.Equal(checksum, Self.GetDocumentChecksum("/_/tests/InlineAdvisor.Tests/Metadata/Fixtures/CallSiteFixtures.cs"));

        var copy = Path.Combine(Directory.CreateTempSubdirectory("ia-metadata-").FullName, "CallSiteFixtures.cs");
        try
        {
            File.WriteAllText(copy, File.ReadAllText(file) + "\n// edited\n");
            Assert.False(checksum.Matches(copy));
            Assert.Null(checksum.Matches(copy + ".missing"));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(copy)!, recursive: true);
        }
    }
}
