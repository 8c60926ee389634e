// Source mapping on the real sample: sites built from the real InlineSamples.dll PDB (IL call → file:line), placed in
// MixerCase.cs as it is, after lines are inserted above the method, and after a call is deleted.
using InlineAdvisor.Core;
using InlineAdvisor.LanguageServer;
using InlineAdvisor.Metadata;
using InlineAdvisor.Tests.EndToEnd;
using Xunit;

namespace InlineAdvisor.Tests.LanguageServer;

public class SourceAnchorTests
{
    static readonly string MixerSource = Path.Combine(Repo.Root, "samples", "InlineSamples", "MixerCase.cs");

    /// <summary>A profile whose HashBlock → Mix sites carry the PDB's own source locations of the three calls.</summary>
    static (ProfileIndex Index, IReadOnlyList<CallSite> Sites) RealProfile()
    {
        var catalog = new AssemblyCatalog();
        var asm = catalog.Open(Repo.SamplesDll) ?? throw new InvalidOperationException("InlineSamples.dll did not open");
        var hashBlock = asm.Methods.Single(m => m.Identity.Type == "InlineSamples.ByteHasher" && m.Identity.Name == "HashBlock");
        var mix = asm.Methods.Single(m => m.Identity.Type == "InlineSamples.ByteHasher" && m.Identity.Name == "Mix");
        var calls = asm.GetCallSites(hashBlock.Token).Where(c => c.Callee?.Name == "Mix").ToList();
        Assert.Equal(3, calls.Count);
        var sites = calls.Select((c, i) => new CallSite
        {
            Id = i + 1,
            Caller = hashBlock.Identity,
            Callee = mix.Identity,
            IlOffset = c.IlOffset,
            Source = asm.GetSourceLocation(hashBlock.Token, c.IlOffset),
            CallSamples = 0,
            StatementSamples = 100 - i * 30,
            Decision = new InlineDecision(InlineOutcome.Inlined, "", ["OptimizedTier1:inlined"], false),
        }).ToList();
        Assert.All(sites, s => Assert.EndsWith("MixerCase.cs", s.Source!.File));
        var profile = new RunProfile(
            new RunInfo { Id = 1, Program = "InlineSamples", CommandLine = "test", Mode = CollectMode.Launch, TracePath = "none" },
            [new MethodProfile { Method = hashBlock.Identity, InclusiveSamples = 200, ExclusiveSamples = 200, IlSize = hashBlock.IlSize },
             new MethodProfile { Method = mix.Identity, IlSize = mix.IlSize, ImplFlags = MethodImplFlags.AggressiveInlining }],
            sites, new RunTotals(200, 0, 1000, 10, 100, 5));
        return (ProfileIndex.Build(profile, []), sites);
    }

    static DocumentAnchors Anchor(ProfileIndex index, string text, string path) =>
        SourceAnchors.Anchor(SourceAnchors.Declarations(SourceAnchors.ParseText(text, path)), index.SitesFor(path), index);

    static int LineOf(string text, string marker) => Array.FindIndex(text.Split('\n'), l => l.Contains(marker));

    [Fact]
    public void An_incremental_reparse_finds_the_same_declarations_as_a_full_parse()
    {
        var text = File.ReadAllText(MixerSource);
        var tree = SourceAnchors.ParseText(text, MixerSource);
        int at = text.IndexOf("HashBlock", StringComparison.Ordinal);
        var edits = new[]
        {
            text.Insert(at - 20, "\n// one\n// two\n"),                        // lines inserted above a method
            text.Replace("Mix(", "Mix2("),                                        // every call renamed (many spans: one diff)
            text[..(at - 40)] + text[(at + 30)..],                                // a declaration cut in half
            text + "\n// tail",
        };
        foreach (var edited in edits)
        {
            static string Describe(IReadOnlyList<DeclaredMethod> ds) => string.Join("\n", ds.Select(d =>
                $"{d.Type}.{d.Name}/{d.Parameters} @{d.NameStart} {d.FirstLine}-{d.LastLine}: {string.Join(",", d.Calls.Select(c => $"{c.Name}@{c.Position}/{c.StatementLine}-{c.EndLine}"))}"));
            var incremental = SourceAnchors.Reparse(tree, edited);
            Assert.Equal(edited, incremental.GetText().ToString());
            Assert.Equal(Describe(SourceAnchors.Declarations(SourceAnchors.ParseText(edited, MixerSource))), Describe(SourceAnchors.Declarations(incremental)));
        }
        Assert.Same(tree, SourceAnchors.Reparse(tree, text));
    }

    [Fact]
    public void Unchanged_file_puts_each_site_on_its_pdb_line_at_the_call()
    {
        var (index, sites) = RealProfile();
        var text = File.ReadAllText(MixerSource);
        var anchors = Anchor(index, text, MixerSource);
        Assert.Equal(3, anchors.Sites.Count);
        Assert.Empty(anchors.Stale);
        var lines = text.Split('\n');
        foreach (var a in anchors.Sites)
        {
            Assert.Equal(0, a.Shift);
            Assert.Equal(a.Entry.Site.Source!.Line - 1, a.Position.Line);
            Assert.StartsWith("Mix(", lines[a.Position.Line][a.Position.Character..]);
        }
        Assert.Equal(LineOf(text, "forced inline site 1"), anchors.Sites[0].Position.Line);
        Assert.Equal(LineOf(text, "forced inline site 3"), anchors.Sites[2].Position.Line);
        var method = Assert.Single(anchors.Methods, m => m.Declaration.Name == "HashBlock");
        Assert.Equal(LineOf(text, "public static ulong HashBlock("), method.Declaration.NameStart.Line);
        Assert.Contains(anchors.Methods, m => m.Declaration.Name == "Mix" && m.Entry.Profile.ImplFlags == MethodImplFlags.AggressiveInlining);
    }

    [Fact]
    public void A_clone_elsewhere_matches_by_path_suffix()
    {
        var (index, _) = RealProfile();
        var elsewhere = "/home/someone/else/samples/InlineSamples/MixerCase.cs";
        var anchors = Anchor(index, File.ReadAllText(MixerSource), elsewhere);
        Assert.Equal(3, anchors.Sites.Count);
        Assert.Null(index.SitesFor("/tmp/OtherFile.cs"));
    }

    [Fact]
    public void Lines_inserted_above_the_method_move_the_lenses_with_it()
    {
        var (index, _) = RealProfile();
        var original = File.ReadAllText(MixerSource);
        var at = original.IndexOf("public static class ByteHasher", StringComparison.Ordinal);
        var edited = original[..at] + "// one\n// two\n// three\n// four\n// five\n" + original[at..];
        var anchors = Anchor(index, edited, MixerSource);
        Assert.Equal(3, anchors.Sites.Count);
        Assert.Empty(anchors.Stale);
        var lines = edited.Split('\n');
        Assert.All(anchors.Sites, a => Assert.Equal(5, a.Shift));
        Assert.All(anchors.Sites, a => Assert.Equal(a.Entry.Site.Source!.Line - 1 + 5, a.Position.Line));
        Assert.All(anchors.Sites, a => Assert.StartsWith("Mix(", lines[a.Position.Line][a.Position.Character..]));
        Assert.Equal(LineOf(edited, "forced inline site 2"), anchors.Sites[1].Position.Line);
    }

    [Fact]
    public void A_deleted_call_gets_no_lens_at_a_wrong_line()
    {
        var (index, _) = RealProfile();
        var original = File.ReadAllText(MixerSource);
        var lines = original.Split('\n').ToList();
        int site2 = LineOf(original, "forced inline site 2");
        lines.RemoveAt(site2);
        var edited = string.Join('\n', lines);
        var anchors = Anchor(index, edited, MixerSource);
        // A shift of -1 would put site 2 on site 1's call and site 3 on its own: one shift cannot explain all three,
        // so the method counts as edited inside and none of its sites gets a lens (conservative, never wrong).
        Assert.Empty(anchors.Sites);
        Assert.Equal(3, anchors.Stale.Count);
        Assert.Equal(3, Assert.Single(anchors.Methods, m => m.Declaration.Name == "HashBlock").StaleSites);
    }

    [Fact]
    public void A_method_renamed_away_leaves_its_sites_stale()
    {
        var (index, _) = RealProfile();
        var edited = File.ReadAllText(MixerSource).Replace("HashBlock(byte[] data", "HashBlock2(byte[] data");
        var anchors = Anchor(index, edited, MixerSource);
        Assert.Empty(anchors.Sites);
        Assert.Equal(3, anchors.Stale.Count);
    }

    [Theory]
    [InlineData("unsigned int64  (unsigned int64,unsigned int8)", 2)]
    [InlineData("void  ()", 0)]
    [InlineData("class System.Collections.Generic.Dictionary`2<int32,class System.String>  (int32,class Foo<int32,int32>)", 2)]
    public void Runtime_signatures_count_parameters(string signature, int count) =>
        Assert.Equal(count, SourceAnchors.ParameterCount(signature));

    [Fact]
    public void Lambda_callers_map_to_the_method_that_contains_them()
    {
        var id = new MethodIdentity("InlineSamples", "InlineSamples.MixerCase+<>c__DisplayClass5_0", "<Execute>b__0", "unsigned int64  (int32)");
        Assert.Equal(("InlineSamples.MixerCase", "Execute"), SourceAnchors.SourceMethodOf(id));
    }
}
