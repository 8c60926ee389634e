// `apply --source`: advice as Roslyn source edits on a copy of the samples (golden text, a real Release build whose
// metadata carries the flags, apply twice = apply once), merge forms, encodings, matching and refusals.
using System.Security.Cryptography;
using System.Text;
using InlineAdvisor.Advice;
using InlineAdvisor.Core;
using InlineAdvisor.Metadata;
using InlineAdvisor.Tests.EndToEnd;
using InlineAdvisor.Tests.Metadata;
using Xunit;

namespace InlineAdvisor.Tests.Advice;

public sealed class SourceApplyTests : IDisposable
{
    private readonly TempDir _dir = new();
    public void Dispose() => _dir.Dispose();

    private static Recommendation Rec(string type, string name, string signature, InlineAction action, SourceLocation? source = null) => new()
    {
        Method = new MethodIdentity("InlineSamples", type, name, signature),
        Action = action,
        Reason = "test",
        Evidence = new AdviceEvidence { Kind = "measured" },
        Source = source,
    };

    private static AdviceFile Advice(params Recommendation[] recs) => new() { ToolVersion = "test", Recommendations = recs };

    private static readonly Recommendation Score = Rec("InlineSamples.PacketScorer", "Score", "int32  (int32,int32,int32)", InlineAction.Force,
        new SourceLocation("MediumCase.cs", 30, 9));
    private static readonly Recommendation Combine = Rec("InlineSamples.Checksum", "Combine", "unsigned int64  (unsigned int64,unsigned int64)", InlineAction.Block);
    private static readonly Recommendation Mix = Rec("InlineSamples.ByteHasher", "Mix", "unsigned int64  (unsigned int64,unsigned int8)", InlineAction.Remove);
    private static readonly Recommendation PickLong = Rec("InlineSamples.Fixture.Overloads", "Pick", "int32  (int64)", InlineAction.Force);
    private static readonly Recommendation CellGet = Rec("InlineSamples.Fixture.Outer+Cell`1", "Get", "instance !0  (!0)", InlineAction.Block);
    private static readonly Recommendation CellMap = Rec("InlineSamples.Fixture.Outer+Cell`1", "Map", "instance generic !!0  (class System.Func`2<!0,!!0>,!0)", InlineAction.Force);

    private const string Fixture = """
        // Source-apply fixture: overloads, a nested generic type, and an existing MethodImpl to merge with.
        using System.Runtime.CompilerServices;

        namespace InlineSamples.Fixture;

        public static class Overloads
        {
            public static int Pick(int x) => x + 1;

            public static int Pick(long x) => (int)x + 2;

            public static int Pick(string s) => s.Length;
        }

        public sealed class Outer
        {
            public sealed class Cell<T>
            {
                [MethodImpl(MethodImplOptions.AggressiveOptimization)]
                public T Get(T value) => value;

                public U Map<U>(Func<T, U> f, T value) => f(value);
            }
        }

        """;

    /// <summary>samples/InlineSamples (sources only) and the central build files, in the repo's relative layout, plus the fixture.</summary>
    private string CopySamples()
    {
        foreach (var file in new[] { "Directory.Build.props", "Directory.Packages.props" })
            File.Copy(Path.Combine(Repo.Root, file), _dir.File(file));
        var to = Path.Combine(_dir.Path, "samples", "InlineSamples");
        CopySources(Path.Combine(Repo.Root, "samples", "InlineSamples"), to);
        File.WriteAllText(Path.Combine(to, "SourceApplyFixture.cs"), Fixture);
        return to;
    }

    private static void CopySources(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var dir in Directory.GetDirectories(from))
            if (Path.GetFileName(dir) is not ("bin" or "obj")) CopySources(dir, Path.Combine(to, Path.GetFileName(dir)));
    }

    private static Dictionary<string, string> Hashes(string dir) => Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
        .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
        .ToDictionary(f => Path.GetRelativePath(dir, f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

    private static string Read(string dir, string file) => File.ReadAllText(Path.Combine(dir, file));

    /// <summary>The original file with exactly one snippet replaced: everything else must be untouched.</summary>
    private static string Edited(string original, string before, string after)
    {
        Assert.Equal(1, Count(original, before));
        return original.Replace(before, after);
    }

    private static int Count(string text, string part)
    {
        int n = 0;
        for (int at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal)) n++;
        return n;
    }

    [Fact]
    public void SourceApply_edits_the_samples_exactly_builds_with_the_flags_and_is_idempotent()
    {
        var project = CopySamples();
        var originals = Directory.GetFiles(project, "*.cs").ToDictionary(f => Path.GetFileName(f), File.ReadAllText);
        var before = Hashes(project);
        var advice = Advice(Score, Combine, Mix, PickLong, CellGet, CellMap,
            Rec("InlineSamples.PacketScorer", "ScoreTwice", "int32  (int32)", InlineAction.Force),
            Rec("InlineSamples.NoSuchType", "Score", "int32  (int32,int32,int32)", InlineAction.Force),
            Rec("InlineSamples.PacketScorer", "Score", "int32  (int32,int32)", InlineAction.Block));

        var outcomes = SourceApplier.Apply(advice, _dir.Path);

        Assert.Equal(advice.Recommendations.Count, outcomes.Count);
        for (int i = 0; i < 6; i++) Assert.True(outcomes[i].Status == ApplyStatus.Applied, outcomes[i].ToString());
        Assert.Equal(ApplyStatus.Missing, outcomes[6].Status);
        Assert.Equal(Path.Combine(project, "MediumCase.cs"), outcomes[6].Path);   // the type's file
        Assert.Equal(ApplyStatus.Missing, outcomes[7].Status);
        Assert.Null(outcomes[7].Path);
        Assert.Equal(ApplyStatus.SignatureChanged, outcomes[8].Status);
        Assert.Contains("int32  (int32,int32,int32)", outcomes[8].Detail);
        Assert.Equal(Path.Combine(project, "MediumCase.cs"), outcomes[0].Path);
        Assert.Equal(Path.Combine(project, "Harness.cs"), outcomes[1].Path);

        // Golden text: each file is its original with exactly these snippets changed.
        Assert.Equal(Edited(originals["MediumCase.cs"],
            """
                /// <summary>Medium callee: branchy integer scoring, sized to sit between 150 and 250 IL bytes.</summary>
                public static int Score(int kind, int size, int flags)
            """,
            """
                /// <summary>Medium callee: branchy integer scoring, sized to sit between 150 and 250 IL bytes.</summary>
                [MethodImpl(MethodImplOptions.AggressiveInlining)]
                public static int Score(int kind, int size, int flags)
            """), Read(project, "MediumCase.cs"));
        Assert.Equal(Edited(Edited(originals["Harness.cs"],
            """
            using System.Diagnostics;

            namespace InlineSamples;
            """,
            """
            using System.Diagnostics;
            using System.Runtime.CompilerServices;

            namespace InlineSamples;
            """),
            """
                public const ulong Seed = 0xCBF29CE484222325UL;

                public static ulong Combine(ulong acc, ulong value)
            """,
            """
                public const ulong Seed = 0xCBF29CE484222325UL;

                [MethodImpl(MethodImplOptions.NoInlining)]
                public static ulong Combine(ulong acc, ulong value)
            """), Read(project, "Harness.cs"));
        Assert.Equal(Edited(originals["MixerCase.cs"],
            """
                /// <summary>Forced callee: one byte into a 64-bit state (murmur/splitmix-style finalizer rounds).</summary>
                [MethodImpl(MethodImplOptions.AggressiveInlining)]
                public static ulong Mix(ulong h, byte value)
            """,
            """
                /// <summary>Forced callee: one byte into a 64-bit state (murmur/splitmix-style finalizer rounds).</summary>
                public static ulong Mix(ulong h, byte value)
            """), Read(project, "MixerCase.cs"));
        Assert.Equal(Edited(Edited(Edited(originals["SourceApplyFixture.cs"],
            """
                public static int Pick(long x) => (int)x + 2;
            """,
            """
                [MethodImpl(MethodImplOptions.AggressiveInlining)]
                public static int Pick(long x) => (int)x + 2;
            """),
            """
                    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
                    public T Get(T value) => value;
            """,
            """
                    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
                    public T Get(T value) => value;
            """),
            """
                    public U Map<U>(Func<T, U> f, T value) => f(value);
            """,
            """
                    [MethodImpl(MethodImplOptions.AggressiveInlining)]
                    public U Map<U>(Func<T, U> f, T value) => f(value);
            """), Read(project, "SourceApplyFixture.cs"));
        Assert.Equal(1, Count(Read(project, "Harness.cs"), "using System.Runtime.CompilerServices;"));
        Assert.Equal(1, Count(Read(project, "MediumCase.cs"), "using System.Runtime.CompilerServices;"));
        var after = Hashes(project);
        foreach (var file in new[] { "Program.cs", "FastSlowCase.cs", "GenericCase.cs", "InterfaceCase.cs", "ThreadsCase.cs", "ThrowHelperCase.cs", "InlineSamples.csproj" })
            Assert.Equal(before[file], after[file]);

        // Apply twice = apply once: nothing is written the second time.
        var again = SourceApplier.Apply(advice, _dir.Path);
        for (int i = 0; i < 6; i++) Assert.True(again[i].Status == ApplyStatus.AlreadyApplied, again[i].ToString());
        Assert.Equal(after, Hashes(project));

        // The edited copy really builds, and the compiler wrote the advised flags.
        var build = Repo.Run("dotnet", ["build", project, "-c", "Release", "-nologo", "--disable-build-servers"], _dir.Path, timeoutSeconds: 300);
        Assert.True(build.ExitCode == 0, build.All);
        using var catalog = new AssemblyCatalog();
        var dll = catalog.Open(Path.Combine(project, "bin", "Release", "net10.0", "InlineSamples.dll"))!;
        MethodImplFlags Flags(Recommendation r) => dll.FindMethod(r.Method)!.Method!.ImplFlags;
        Assert.Equal(MethodImplFlags.AggressiveInlining, Flags(Score));
        Assert.Equal(MethodImplFlags.NoInlining, Flags(Combine));
        Assert.Equal(MethodImplFlags.None, Flags(Mix));
        Assert.Equal(MethodImplFlags.AggressiveInlining, Flags(PickLong));
        Assert.Equal(MethodImplFlags.None, Flags(PickLong with { Method = PickLong.Method with { Signature = "int32  (int32)" } }));
        Assert.Equal(MethodImplFlags.None, Flags(PickLong with { Method = PickLong.Method with { Signature = "int32  (class System.String)" } }));
        Assert.Equal(MethodImplFlags.AggressiveOptimization | MethodImplFlags.NoInlining, Flags(CellGet));
        Assert.Equal(MethodImplFlags.AggressiveInlining, Flags(CellMap));
    }

    private string WriteFile(string name, string text, bool bom = false)
    {
        var path = _dir.File(name);
        File.WriteAllBytes(path, [.. (bom ? new byte[] { 0xEF, 0xBB, 0xBF } : []), .. new UTF8Encoding(false).GetBytes(text)]);
        return path;
    }

    private const string Forms = """
        using System;
        using System.Runtime.CompilerServices;
        using static System.Runtime.CompilerServices.MethodImplOptions;

        namespace Forms;

        public class C
        {
            [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining | System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
            public int Qualified(int a) => a;

            [MethodImplAttribute((MethodImplOptions)256)]
            public int Cast(int a) => a;

            [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
            public int Combined(int a) => a;

            [Obsolete("x"), MethodImpl(MethodImplOptions.AggressiveInlining)]
            public int Shared(int a) => a;

            [MethodImpl(NoInlining)] public int Bare(int a) => a;

            [MethodImpl]
            public int Empty(int a) => a;

            public int Prop { get => 1; set { } }

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public int Dropped(int a) => a;
        }

        """;

    [Fact]
    public void SourceApply_merges_every_spelling_of_an_existing_MethodImpl()
    {
        var path = WriteFile("Forms.cs", Forms);
        Recommendation R(string name, InlineAction action, string sig = "instance int32  (int32)") => Rec("Forms.C", name, sig, action);
        var outcomes = SourceApplier.Apply(Advice(
            R("Qualified", InlineAction.Block), R("Cast", InlineAction.Block), R("Combined", InlineAction.Remove),
            R("Shared", InlineAction.Remove), R("Bare", InlineAction.Force), R("Empty", InlineAction.Block),
            R("get_Prop", InlineAction.Force, "instance int32  ()"), R("Dropped", InlineAction.Remove)), _dir.Path);
        Assert.All(outcomes, o => Assert.True(o.Status == ApplyStatus.Applied, o.ToString()));

        var expected = Forms
            .Replace("[System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining | System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]",
                     "[System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization | System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]")
            .Replace("[MethodImplAttribute((MethodImplOptions)256)]", "[MethodImplAttribute(MethodImplOptions.NoInlining)]")
            .Replace("[MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]", "[MethodImpl(MethodImplOptions.AggressiveOptimization)]")
            .Replace("[Obsolete(\"x\"), MethodImpl(MethodImplOptions.AggressiveInlining)]", "[Obsolete(\"x\")]")
            .Replace("[MethodImpl(NoInlining)] public int Bare", "[MethodImpl(AggressiveInlining)] public int Bare")
            .Replace("[MethodImpl]\n", "[MethodImpl(MethodImplOptions.NoInlining)]\n")
            .Replace("{ get => 1; set { } }", "{ [MethodImpl(MethodImplOptions.AggressiveInlining)] get => 1; set { } }")
            .Replace("    [MethodImpl(MethodImplOptions.AggressiveInlining)]\n    public int Dropped", "    public int Dropped");
        Assert.Equal(expected, File.ReadAllText(path));
        Assert.All(SourceApplier.Apply(Advice(R("Qualified", InlineAction.Block), R("Dropped", InlineAction.Remove)), _dir.Path),
            o => Assert.Equal(ApplyStatus.AlreadyApplied, o.Status));
    }

    [Fact]
    public void SourceApply_keeps_a_BOM_and_CRLF_and_places_the_using_after_a_header()
    {
        var text = "// header\r\n\r\nnamespace Crlf\r\n{\r\n\tpublic static class K\r\n\t{\r\n\t\t/// <summary>doc</summary>\r\n\t\tpublic static int M(int a) => a;\r\n\t}\r\n}\r\n";
        var path = WriteFile("Crlf.cs", text, bom: true);
        var outcome = SourceApplier.Apply(Advice(Rec("Crlf.K", "M", "int32  (int32)", InlineAction.Block)), _dir.Path).Single();
        Assert.Equal(ApplyStatus.Applied, outcome.Status);
        var bytes = File.ReadAllBytes(path);
        Assert.Equal([0xEF, 0xBB, 0xBF], bytes[..3]);
        Assert.Equal("// header\r\n\r\nusing System.Runtime.CompilerServices;\r\n\r\nnamespace Crlf\r\n{\r\n\tpublic static class K\r\n\t{\r\n\t\t/// <summary>doc</summary>\r\n\t\t[MethodImpl(MethodImplOptions.NoInlining)]\r\n\t\tpublic static int M(int a) => a;\r\n\t}\r\n}\r\n",
            Encoding.UTF8.GetString(bytes, 3, bytes.Length - 3));
        Assert.Empty(Directory.GetFiles(_dir.Path, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void SourceApply_refuses_paths_outside_the_directory_before_writing_anything()
    {
        var path = WriteFile("Crlf.cs", "namespace N;\npublic static class K { public static int M(int a) => a; }\n");
        var before = File.ReadAllBytes(path);
        var ok = Rec("N.K", "M", "int32  (int32)", InlineAction.Block);
        foreach (var outside in new[] { "../elsewhere/K.cs", "/etc/K.cs", "sub/../../K.cs", @"C:\src\K.cs" })
        {
            var e = Assert.Throws<AdviceException>(() => SourceApplier.Apply(Advice(ok, ok with { Method = ok.Method with { Name = "M2" }, Source = new SourceLocation(outside, 1, 1) }), _dir.Path));
            Assert.Contains("outside", e.Message);
            Assert.Contains(outside, e.Message);
            Assert.Equal(before, File.ReadAllBytes(path));   // the valid recommendation listed first was not applied either
        }
        Assert.Throws<AdviceException>(() => SourceApplier.Apply(Advice(ok), _dir.File("no-such-dir")));
        // A path inside is only a hint.
        Assert.Equal(ApplyStatus.Applied, SourceApplier.Apply(Advice(ok with { Source = new SourceLocation(path, 2, 1) }), _dir.Path).Single().Status);
    }

    [Fact]
    public void SourceApply_reports_ambiguity_instead_of_guessing_and_a_hint_settles_it()
    {
        // Overloads that differ only in generic arity print the same runtime signature.
        var text = "namespace N;\npublic static class G\n{\n    public static int M<T>(int a) => a;\n\n    public static int M<T, U>(int a) => a;\n}\n";
        var path = WriteFile("G.cs", text);
        var rec = Rec("N.G", "M", "generic int32  (int32)", InlineAction.Block);
        var outcome = SourceApplier.Apply(Advice(rec), _dir.Path).Single();
        Assert.Equal(ApplyStatus.NotApplied, outcome.Status);
        Assert.Contains("ambiguous", outcome.Detail);
        Assert.Equal(text, File.ReadAllText(path));

        outcome = SourceApplier.Apply(Advice(rec with { Source = new SourceLocation("G.cs", 6, 43) }), _dir.Path).Single();
        Assert.Equal(ApplyStatus.Applied, outcome.Status);
        Assert.Equal(text.Replace("\n    public static int M<T, U>", "\n    [MethodImpl(MethodImplOptions.NoInlining)]\n    public static int M<T, U>")
            .Replace("namespace N;", "using System.Runtime.CompilerServices;\n\nnamespace N;"), File.ReadAllText(path));
    }

    [Fact]
    public void SourceApply_matches_unresolved_types_by_simple_name_and_skips_bin_and_obj()
    {
        // Elsewhere.Widget comes from a package this compilation does not have: matched by name, overloads kept apart.
        var text = "using Elsewhere;\nnamespace N;\npublic class W\n{\n    public int Use(Widget w) => 1;\n    public int Use(Gadget g) => 2;\n}\n";
        var path = WriteFile("W.cs", text);
        Directory.CreateDirectory(_dir.File("obj"));
        File.WriteAllText(_dir.File("obj/W.cs"), "namespace N; public class W { public int Use(int x) => 0; }\n");
        var outcome = SourceApplier.Apply(Advice(Rec("N.W", "Use", "instance int32  (class Elsewhere.Gadget)", InlineAction.Force)), _dir.Path).Single();
        Assert.True(outcome.Status == ApplyStatus.Applied, outcome.ToString());
        Assert.Contains("[MethodImpl(MethodImplOptions.AggressiveInlining)]\n    public int Use(Gadget g)", File.ReadAllText(path));
        var changed = SourceApplier.Apply(Advice(Rec("N.W", "Use", "instance int32  (int32)", InlineAction.Force)), _dir.Path).Single();
        Assert.Equal(ApplyStatus.SignatureChanged, changed.Status);   // the obj/ copy was not read
    }

    [Fact]
    public void SourceApply_attributes_a_partial_method_body_and_reports_declarations_that_cannot_carry_one()
    {
        var text = """
            using System.Runtime.CompilerServices;
            namespace P;
            public partial class Q
            {
                public partial int F(int a);
                public int Auto => 3;
            }
            public partial class Q
            {
                public partial int F(int a) => a;
            }

            """;
        var path = WriteFile("Q.cs", text);
        var outcomes = SourceApplier.Apply(Advice(
            Rec("P.Q", "F", "instance int32  (int32)", InlineAction.Block),
            Rec("P.Q", "get_Auto", "instance int32  ()", InlineAction.Block),
            Rec("P.Q", ".ctor", "instance void  ()", InlineAction.Block)), _dir.Path);
        Assert.Equal(ApplyStatus.Applied, outcomes[0].Status);
        Assert.Equal([ApplyStatus.NotApplied, ApplyStatus.NotApplied], outcomes.Skip(1).Select(o => o.Status));
        Assert.Contains("expression-bodied", outcomes[1].Detail);
        Assert.Contains("implicitly", outcomes[2].Detail);
        Assert.Equal(text.Replace("    public partial int F(int a) => a;", "    [MethodImpl(MethodImplOptions.NoInlining)]\n    public partial int F(int a) => a;"), File.ReadAllText(path));
    }

    /// <summary>The signature formatter against what the runtime really printed for the metadata fixtures: every
    /// method the fixture source declares is found by its observed (type, name, signature).</summary>
    [Fact]
    public void SourceApply_finds_every_observed_runtime_identity_in_the_fixture_source()
    {
        var tree = SourceTree.Load(Path.Combine(Repo.Root, "tests", "InlineAdvisor.Tests", "Metadata", "Fixtures"));
        var failures = new List<string>();
        int found = 0;
        foreach (var (ns, name, sig) in ObservedRuntimeNames.Loads.Distinct())
        {
            var type = RuntimeNames.NormalizeTypeName(ns);
            if (type.Contains('<') || name.StartsWith('<')) continue;   // compiler-generated: no declaration to find
            var located = tree.Resolve(new MethodIdentity("x", type, name, sig), null);
            if (located.Kind == LocateKind.Found) found++;
            else if (!(located.Kind == LocateKind.NotEditable && name == ".ctor")) failures.Add($"{type}::{name} {sig}: {located.Kind} {located.Detail}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(found > 40, $"{found}");
    }
}
