// Patching MethodImpl flags in copies of the real built samples: flags read back, originals untouched,
// the patched program runs, and the JIT's own events show the change honoured.
using System.Security.Cryptography;
using InlineAdvisor.Core;
using InlineAdvisor.Patching;
using InlineAdvisor.Experiments;
using InlineAdvisor.Metadata;
using InlineAdvisor.Store;
using InlineAdvisor.Tests.EndToEnd;
using Xunit;

namespace InlineAdvisor.Tests.Experiments;

public sealed class FlagPatcherTests : IDisposable
{
    private readonly TempDir _dir = new();
    private static readonly MethodIdentity Score = new("InlineSamples", "InlineSamples.PacketScorer", "Score", "int32  (int32,int32,int32)");
    private static readonly MethodIdentity Mix = new("InlineSamples", "InlineSamples.ByteHasher", "Mix", "unsigned int64  (unsigned int64,unsigned int8)");

    public void Dispose() => _dir.Dispose();

    private string CopyOfSamples(string name = "app")
    {
        var copy = _dir.File(name);
        AppCopy.Copy(Repo.SamplesDir, copy);
        return copy;
    }

    private static MethodImplFlags FlagsOf(string dll, MethodIdentity m)
    {
        using var catalog = new AssemblyCatalog();
        return catalog.Open(dll)!.FindMethod(m)!.Method!.ImplFlags;
    }

    private static string Hash(string dir) => string.Join(",", Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Order()
        .Select(f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)))));

    [Fact]
    public void Force_block_and_remove_set_exactly_the_inlining_bits_and_the_patched_program_runs_the_same()
    {
        var original = Hash(Repo.SamplesDir);
        var copy = CopyOfSamples();
        var dll = Path.Combine(copy, "InlineSamples.dll");
        Assert.Equal(MethodImplFlags.AggressiveInlining, FlagsOf(dll, Mix) & MethodImplFlags.AggressiveInlining);

        var patched = FlagPatcher.Patch(copy, [new FlagChange(Score, InlineAction.Force), new FlagChange(Mix, InlineAction.Block)]);

        Assert.Equal(2, patched.Count);
        Assert.Equal(MethodImplFlags.AggressiveInlining, FlagsOf(dll, Score));
        Assert.Equal(MethodImplFlags.NoInlining, FlagsOf(dll, Mix));
        Assert.Equal(original, Hash(Repo.SamplesDir));   // the user's build is untouched

        var before = Repo.Run("dotnet", [Repo.SamplesDll, "medium", "--scale", "0.05"], _dir.Path);
        var after = Repo.Run("dotnet", [dll, "medium", "--scale", "0.05"], _dir.Path);
        Assert.Equal(0, after.ExitCode);
        Assert.Equal(Checksum(before.Stdout), Checksum(after.Stdout));

        FlagPatcher.Patch(copy, [new FlagChange(Mix, InlineAction.Remove)]);
        Assert.Equal(MethodImplFlags.None, FlagsOf(dll, Mix));
    }

    private static string Checksum(string stdout) => stdout.Split('\n').Single(l => l.StartsWith("checksum:"));

    [Fact]
    public void Missing_and_bodiless_methods_are_refused_before_anything_is_written()
    {
        var copy = CopyOfSamples();
        var before = Hash(copy);
        var missing = Score with { Signature = "int32  (int32)" };
        var e = Assert.Throws<PatchException>(() => FlagPatcher.Patch(copy, [new FlagChange(Score, InlineAction.Force), new FlagChange(missing, InlineAction.Force)]));
        Assert.Contains("is not in", e.Message);
        Assert.Equal(before, Hash(copy));   // the valid change listed first was not written either

        var framework = new MethodIdentity("System.Private.CoreLib", "System.String", "Concat", "class System.String  (class System.String,class System.String)");
        Assert.Contains("framework methods cannot be patched", Assert.Throws<PatchException>(() => FlagPatcher.Patch(copy, [new FlagChange(framework, InlineAction.Force)])).Message);

        var iface = new MethodIdentity("InlineSamples", "InlineSamples.IPricer", "Price", "instance int64  (int32)");
        Assert.Contains("no IL body", Assert.Throws<PatchException>(() => FlagPatcher.Patch(copy, [new FlagChange(iface, InlineAction.Block)])).Message);
    }

    [Fact]
    public void Commands_are_pointed_at_the_copy_only_where_they_name_the_app()
    {
        var app = "/srv/app/bin";
        Assert.Equal(["dotnet", "/tmp/B/App.dll", "mixer", "--out", "/srv/other/x", "/tmp/B/cfg/a.json"],
            AppCopy.Retarget(["dotnet", "/srv/app/bin/App.dll", "mixer", "--out", "/srv/other/x", "{app}/cfg/a.json"], app, "/tmp/B"));
    }

    [Fact]
    public void A_copy_into_the_app_folder_itself_is_refused_before_anything_is_written()
    {
        var app = _dir.File("workspace");
        Directory.CreateDirectory(app);
        File.WriteAllText(Path.Combine(app, "App.dll"), "x");
        var inside = Path.Combine(app, ".inline-advisor", "experiments", "A");
        var e = Assert.Throws<PatchException>(() => AppCopy.Copy(app, inside));
        Assert.Contains("contains the experiment's work folder", e.Message);
        Assert.False(Directory.Exists(Path.Combine(app, ".inline-advisor")));
    }

    [Fact]
    [Trait("Category", "EndToEnd")]
    public void The_JIT_honours_a_forced_inline_it_refused_for_size()
    {
        var copy = CopyOfSamples();
        FlagPatcher.Patch(copy, [new FlagChange(Score, InlineAction.Force)]);
        var env = new Dictionary<string, string> { ["DOTNET_TieredPGO"] = "0" };
        var store = _dir.File("s.db");
        var r = Repo.RunAdvisor(_dir.Path, env, "collect", "--store", store, "--output", _dir.File("t.nettrace"),
            "--", "dotnet", Path.Combine(copy, "InlineSamples.dll"), "medium", "--scale", "0.2");
        Assert.True(r.ExitCode == 0, r.All);
        using var s = ProfileStore.Open(store);
        var p = s.LoadRun(s.LatestRun()!.Id)!;
        var site = p.Sites.Single(x => x.Caller.Name == "ScoreAll" && x.Callee.Name == "Score" && x.IlOffset >= 0);
        Assert.Equal(InlineOutcome.Inlined, site.Decision.Outcome);   // unpatched, the same run refuses it: "too many il bytes" (CollectTests)
    }
}
