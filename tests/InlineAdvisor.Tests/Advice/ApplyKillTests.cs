// SIGKILL in the middle of `advisor apply`: every assembly is either the original or completely patched, and the
// temp files a killed apply can leave are removed by the next apply.
using InlineAdvisor.Advice;
using InlineAdvisor.Core;
using InlineAdvisor.Patching;
using InlineAdvisor.Metadata;
using InlineAdvisor.Tests.EndToEnd;
using Xunit;
using Xunit.Abstractions;
using static InlineAdvisor.Tests.Advice.ApplyTestSupport;

namespace InlineAdvisor.Tests.Advice;

public sealed class ApplyKillTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new();
    public void Dispose() => _dir.Dispose();

    /// <summary>Real assemblies of several sizes (7 MB down to 30 kB): enough work that a kill can land mid-apply.</summary>
    private static readonly string[] Assemblies =
    [
        "Microsoft.CodeAnalysis.CSharp", "Microsoft.Diagnostics.Tracing.TraceEvent", "Microsoft.CodeAnalysis", "MathNet.Numerics",
        "Spectre.Console", "Newtonsoft.Json", "System.CommandLine", "InlineAdvisor.Core", "InlineAdvisor.Metadata",
        "InlineAdvisor.Tracing", "InlineAdvisor.Experiments", "InlineAdvisor.Store", "InlineAdvisor.Advice", "xunit.assert",
    ];

    [Fact]
    public void Killing_apply_at_random_moments_never_leaves_a_half_written_assembly()
    {
        var pristine = _dir.File("pristine");
        Directory.CreateDirectory(pristine);
        var recommendations = new List<Recommendation>();
        using (var catalog = new AssemblyCatalog())
        {
            foreach (var name in Assemblies)
            {
                var path = Path.Combine(pristine, name + ".dll");
                File.Copy(Path.Combine(AppContext.BaseDirectory, name + ".dll"), path);
                var assembly = catalog.Open(path)!;
                // Every 7th method with a body, up to 25 per assembly: changes spread over the whole MethodDef table.
                recommendations.AddRange(assembly.Methods
                    .Where((m, i) => i % 7 == 0 && m.IlSize >= 0 && (m.ImplFlags & MethodImplFlags.NoInlining) == 0 && assembly.FindMethod(m.Identity)?.Method is not null)
                    .Take(25).Select(m => Rec(m.Identity, InlineAction.Block)));
            }
        }
        var advice = Write(AdviceOf([.. recommendations]), _dir.File("many.json"));
        var original = Assemblies.ToDictionary(a => a, a => Hash(Path.Combine(pristine, a + ".dll")));

        // One complete apply: the patched state every dll must be in if it is not the original, and how long apply takes.
        var complete = _dir.File("complete");
        AppCopy(pristine, complete);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var full = Repo.RunAdvisor(_dir.Path, null, "apply", advice, "--assemblies", complete);
        var duration = clock.Elapsed;
        Assert.True(full.ExitCode == 0, full.All);
        Assert.Contains($"{recommendations.Count} recommendation(s): {recommendations.Count} applied", full.Stdout);
        var patched = Assemblies.ToDictionary(a => a, a => Hash(Path.Combine(complete, a + ".dll")));
        Assert.All(Assemblies, a => Assert.NotEqual(original[a], patched[a]));
        Assert.Empty(Temps(complete));

        var seed = Environment.TickCount;
        var random = new Random(seed);
        int withTemps = 0, partial = 0;
        string? leftTemps = null;
        for (int round = 0; round < 8; round++)
        {
            var copy = _dir.File($"kill{round}");
            AppCopy(pristine, copy);
            // 0–200 ms as a floor, stretched to the measured apply time so kills land in every phase.
            var delay = TimeSpan.FromMilliseconds(random.NextDouble() * Math.Max(200, duration.TotalMilliseconds));
            using (LiveProcess.Start("dotnet", [Repo.Advisor, "apply", advice, "--assemblies", copy], _dir.Path))
                Thread.Sleep(delay);   // disposing kills it with SIGKILL: no handler, no finally block runs
            int done = 0;
            foreach (var a in Assemblies)
            {
                var dll = Path.Combine(copy, a + ".dll");
                var hash = Hash(dll);
                Assert.True(hash == original[a] || hash == patched[a], $"round {round} (seed {seed}, kill after {delay.TotalMilliseconds:0} ms): {a}.dll is neither the original nor fully patched");
                using var catalog = new AssemblyCatalog();
                Assert.NotNull(catalog.Open(dll));   // loads
                if (hash == patched[a]) done++;
            }
            var temps = Temps(copy);
            output.WriteLine($"round {round}: killed after {delay.TotalMilliseconds:0} ms of {duration.TotalMilliseconds:0}: {done}/{Assemblies.Length} replaced, {temps.Length} temp file(s) left");
            if (done > 0 && done < Assemblies.Length) partial++;
            if (temps.Length > 0) { withTemps++; leftTemps = copy; }
        }
        output.WriteLine($"seed {seed}: {withTemps} round(s) left temps, {partial} were between assemblies");

        // Most of an apply is preparing and verifying the temps; the renames at the end take a few milliseconds. Kills
        // spread over the whole run land in that phase (P(none of 8) < 1e-6 here): those are the rounds that matter.
        Assert.True(withTemps > 0, $"seed {seed}: no kill landed while temps existed");

        // The next apply in a folder a killed apply left temps in: removes them and finishes the job.
        var folder = leftTemps!;
        var next = Repo.RunAdvisor(_dir.Path, null, "apply", advice, "--assemblies", folder);
        Assert.True(next.ExitCode == 0, next.All);
        Assert.Contains("left by an apply that was killed", next.Stdout);
        Assert.Empty(Temps(folder));
        Assert.All(Assemblies, a => Assert.Equal(patched[a], Hash(Path.Combine(folder, a + ".dll"))));
    }

    private static void AppCopy(string from, string to) => InlineAdvisor.Patching.AppCopy.Copy(from, to);
}
