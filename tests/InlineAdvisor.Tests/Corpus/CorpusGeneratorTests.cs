// The corpus end to end at a tiny scale: the real generator writes a program, `dotnet build` builds it, it runs two
// rounds, and its measurements.json is checked against the built assembly and against the JIT's own decisions.
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.Json;
using InlineAdvisor.Core;
using InlineAdvisor.Metadata;
using InlineAdvisor.Tests.EndToEnd;
using Xunit;

namespace InlineAdvisor.Tests.Corpus;

public sealed class CorpusGeneratorTests : IDisposable
{
    private readonly TempDir _dir = new();
    public void Dispose() => _dir.Dispose();

    private static readonly Dictionary<string, string> Quiet = new() { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" };

    [Fact]
    [Trait("Category", "EndToEnd")]
    public void Generated_corpus_measures_every_variant_with_runtime_identities_and_the_JIT_honours_the_flags()
    {
        var src = _dir.File("src");
        var bin = _dir.File("bin");
        var generator = Path.Combine(Repo.Root, "samples", "Corpus", "Generator");
        var gen = LiveProcesses.Run("dotnet", ["run", "--project", generator, "-c", "Release", "--", "--out", src, "--seed", "7", "--per-family", "1",
            "--families", "small,large,generic,virtual"], _dir.Path, Quiet, timeoutSeconds: 240);
        Assert.True(gen.ExitCode == 0, gen.All);
        var build = LiveProcesses.Run("dotnet", ["build", Path.Combine(src, "Corpus.csproj"), "-c", "Release", "-o", bin, "--disable-build-servers", "-nologo", "-v:minimal"],
            _dir.Path, Quiet, timeoutSeconds: 240);
        Assert.True(build.ExitCode == 0, build.All);
        var output = _dir.File("measurements.json");
        var run = LiveProcesses.Run("dotnet", [Path.Combine(bin, "Corpus.dll"), "--out", output, "--rounds", "2", "--target-ms", "1"], _dir.Path, timeoutSeconds: 120);
        Assert.True(run.ExitCode == 0, run.All);

        using var json = JsonDocument.Parse(File.ReadAllText(output));
        var root = json.RootElement;
        Assert.Equal(1, root.GetProperty("format").GetInt32());
        Assert.Equal("Corpus", root.GetProperty("assembly").GetString());
        Assert.Equal(7, root.GetProperty("seed").GetInt32());
        Assert.Empty(root.GetProperty("driversNotAtTier1").EnumerateArray());
        var sites = root.GetProperty("sites").EnumerateArray().ToList();
        Assert.Equal(["generic", "large", "small", "virtual"], sites.Select(s => s.GetProperty("family").GetString()).Order());

        var (identities, flags) = MethodsOf(Path.Combine(bin, "Corpus.dll"));
        foreach (var site in sites)
        {
            string id = site.GetProperty("id").GetString()!;
            foreach (var variant in new[] { "default", "force", "block", "control" })
            {
                var v = site.GetProperty("variants").GetProperty(variant);
                var caller = IdentityOf(v.GetProperty("caller"));
                var callee = IdentityOf(v.GetProperty("callee"));
                // The identities come from the JIT's events; they must name real methods in the metadata's runtime format.
                Assert.True(identities.Contains(caller), $"{id} {variant}: caller {caller} is not a method of Corpus.dll");
                Assert.True(identities.Contains(callee), $"{id} {variant}: callee {callee} is not a method of Corpus.dll");
                var expected = variant switch { "force" => MethodImplAttributes.AggressiveInlining, "block" => MethodImplAttributes.NoInlining, _ => (MethodImplAttributes)0 };
                Assert.Equal(expected, flags[callee] & (MethodImplAttributes.AggressiveInlining | MethodImplAttributes.NoInlining));

                var jit = site.GetProperty("jit").GetProperty(variant);
                Assert.True(jit.GetProperty("callerOptimizedBytes").GetInt32() > 0, $"{id} {variant}: no optimized caller code");
                Assert.True(jit.GetProperty("jitMs").GetDouble() > 0);
                Assert.True(jit.GetProperty("compiles").GetInt32() >= 2);
                var rounds = site.GetProperty("rounds").EnumerateArray().ToList();
                Assert.Equal(2, rounds.Count);
                foreach (var r in rounds)
                {
                    Assert.True(r.GetProperty(variant).GetProperty("elapsedNs").GetInt64() > 0);
                    Assert.True(r.GetProperty(variant).GetProperty("cpuNs").GetInt64() > 0);
                }
            }
        }

        // What the JIT did at the small site (hot loop, tiny callee): the forced callee inlined, the blocked one refused.
        var small = sites.Single(s => s.GetProperty("family").GetString() == "small").GetProperty("jit");
        Assert.Equal("inlined", small.GetProperty("force").GetProperty("calleeDecision").GetString());
        Assert.Equal("not inlined: noinline per IL/cached result", small.GetProperty("block").GetProperty("calleeDecision").GetString());
        Assert.True(small.GetProperty("force").GetProperty("calleeOptimizedBytes").GetInt32() >= 0);

        // The standalone mode the A/B validation runs: one site, one variant, fixed work, a checksum.
        var one = LiveProcesses.Run("dotnet", [Path.Combine(bin, "Corpus.dll"), "--only", sites[0].GetProperty("id").GetString()!, "--variant", "block",
            "--iterations", "1000", "--calls", "3"], _dir.Path, timeoutSeconds: 60);
        Assert.True(one.ExitCode == 0, one.All);
        Assert.Contains("checksum", one.Stdout);
    }

    private static MethodIdentity IdentityOf(JsonElement e) =>
        new("Corpus", e.GetProperty("type").GetString()!, e.GetProperty("name").GetString()!, e.GetProperty("signature").GetString()!);

    private static (HashSet<MethodIdentity>, Dictionary<MethodIdentity, MethodImplAttributes>) MethodsOf(string dll)
    {
        using var pe = new PEReader(File.OpenRead(dll));
        var md = pe.GetMetadataReader();
        var flags = new Dictionary<MethodIdentity, MethodImplAttributes>();
        foreach (var h in md.MethodDefinitions)
            flags[RuntimeNames.Identity(md, h, "Corpus")] = md.GetMethodDefinition(h).ImplAttributes;
        return (flags.Keys.ToHashSet(), flags);
    }
}
