// `advisor export`: the measured recommendations of the store, as a versioned advice file (JSON) or as SARIF 2.1.0.
using System.CommandLine;
using System.Globalization;
using System.Reflection;
using InlineAdvisor.Advice;
using InlineAdvisor.Core;
using InlineAdvisor.Metadata;
using InlineAdvisor.Store;
using Spectre.Console;

namespace InlineAdvisor.Cli.Commands;

internal static class ExportCommand
{
    public static Command Create()
    {
        var output = new Option<string?>("--output", "-o") { Description = "The file to write (atomically: a reader never sees half of it). Default: inline-advice.json, or inline-advice.sarif with --format sarif.", HelpName = "file" };
        var format = new Option<string>("--format", "-f") { Description = "json: the advice file that `advisor apply` and `advisor check` read (schema: inline-advice.schema.json beside advisor). sarif: SARIF 2.1.0 for code-scanning UIs.", DefaultValueFactory = _ => "json", HelpName = "json|sarif" };
        var sourceRoot = new Option<string?>("--source-root") { Description = "Source paths under this folder are written relative to it (forward slashes; in SARIF against uriBaseId SRCROOT), others stay absolute. Default: the current directory.", HelpName = "dir" };
        var store = Common.StoreOption();
        var cmd = new Command("export", """
            Write the store's measured recommendations to a file for CI: `advisor apply` puts them into the build
            (or the source), `advisor check` fails when they stop holding, and --format sarif shows them on the
            methods' source lines in code-scanning UIs.

            What goes in: every experiment in the store (run `advisor experiment` first). Each method gets at most one
            recommendation, from its newest experiment that changed that method alone, and only when the change paid:
              - the deciding metric (wall time, CPU time or --metric) improved, its 95% interval clear of zero and of
                the A/A control (an unmodified copy run alongside: what "no change" looks like on that machine); or
              - removing an attribute did not measurably cost anything and the JIT's optimized (Tier1) code shrank.
            Changes that made things slower, did not resolve, or were measured together with other changes give none.

            What comes out, per recommendation:
              method       assembly, type, name and signature as the runtime prints them (stable across rebuilds)
              action       force (AggressiveInlining) | block (NoInlining) | remove (neither: the JIT decides)
              evidence     kind "measured": from an experiment on your workload — effect = relative change of the
                           deciding metric with the action applied (-0.05: 5% less), [low, high] its 95% interval,
                           controlLow/High the A/A control's, n pairs, tier1CodeChange, experiment and run ids.
                           kind "predicted": a model's estimate (modelVersion, interval), never measured; SARIF lists
                           it for review only (level none), measured advice as notes on the line.
              amdahlBound  the share of the profiled run's CPU samples through the measured call sites: the most the
                           change can gain (0 when the profile is gone)
              source       the method's first line (first statement), from the PDB of the app the experiment ran (absent if not found)

              advisor export --output inline-advice.json
              advisor export --format sarif --output inline-advice.sarif --source-root .
            """) { output, format, sourceRoot, store };

        cmd.SetAction(parse =>
        {
            var kind = parse.GetValue(format)!.ToLowerInvariant();
            if (kind is not ("json" or "sarif")) return Common.Fail($"--format: '{parse.GetValue(format)}' is not json or sarif", ExitCode.Usage);
            var rootOption = parse.GetValue(sourceRoot);
            var root = Path.GetFullPath(rootOption ?? Directory.GetCurrentDirectory());
            if (!Directory.Exists(root)) return Common.Fail($"--source-root: no folder {rootOption}", ExitCode.Usage);
            var target = parse.GetValue(output) ?? (kind == "sarif" ? "inline-advice.sarif" : "inline-advice.json");
            if (Directory.Exists(target)) return Common.Fail($"--output: {target} is a folder; give a file name (e.g. inline-advice.json)", ExitCode.Usage);

            // A missing store is not created just to say it is empty.
            var storePath = Path.GetFullPath(parse.GetValue(store)!);
            if (!File.Exists(storePath)) return Common.Fail($"no store at {storePath}: run `advisor collect -- <command>`, then `advisor experiment`, first");
            using var profileStore = Common.OpenStore(storePath, out var storeError);
            if (profileStore is null) return storeError;

            AdviceFile advice;
            IReadOnlyList<ExperimentRecord> experiments;
            try
            {
                experiments = profileStore.ListExperiments();
                if (experiments.Count == 0) return Common.Fail($"no experiments in {profileStore.Path}: run `advisor experiment` first");
                using var catalog = new AssemblyCatalog();
                var bounds = new AmdahlBounds(profileStore);
                var recommendations = AdviceBuilder.FromExperiments(experiments, bounds.Of, m => Declaration(m, experiments, catalog, root));
                advice = new AdviceFile { ToolVersion = ToolVersion(), GeneratedUtc = DateTime.UtcNow, Recommendations = recommendations };
            }
            catch (StoreException e)
            {
                return Common.Fail(e.Message);
            }

            try
            {
                if (kind == "sarif") Sarif.Write(advice, target, root);
                else AdviceJson.Write(advice, target);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return Common.Fail($"cannot write {target}: {e.Message}");
            }

            var written = Path.GetFullPath(target);
            int together = experiments.Count(e => e.Edits.Count > 1);
            var skipped = together > 0 ? $"; {together} changed several methods at once and cannot say which change paid" : "";
            if (advice.Recommendations.Count == 0)
            {
                Console.Error.WriteLine($"advisor: no recommendation: none of the {experiments.Count} experiment(s) in {profileStore.Path} measured a change that pays{skipped}. " +
                    $"Wrote {written} with an empty list.");
                return (int)ExitCode.Ok;
            }
            Render(advice);
            AnsiConsole.WriteLine($"wrote {advice.Recommendations.Count} recommendation(s) from {experiments.Count} experiment(s){skipped} to {written} ({(kind == "sarif" ? "SARIF 2.1.0" : $"advice file, schema version {advice.SchemaVersion}")})");
            return (int)ExitCode.Ok;
        });
        return cmd;
    }

    /// <summary>The CLI's informational version ("1.0.0+commit"), the version every exported file names.</summary>
    internal static string ToolVersion() =>
        typeof(ExportCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(ExportCommand).Assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>An experiment's bound: the largest share of its profile run's samples through one of its sites
    /// (0 when it names no run, the run is gone, or the run has no samples). Each run is loaded once.</summary>
    private sealed class AmdahlBounds(ProfileStore store)
    {
        private readonly Dictionary<long, long?> _samples = [];

        public double Of(ExperimentRecord e)
        {
            if (e.ProfileRunId is not { } run || e.Sites.Count == 0) return 0;
            if (!_samples.TryGetValue(run, out var total)) _samples[run] = total = store.LoadRun(run)?.Totals.Samples;
            if (total is not > 0) return 0;
            return Math.Min(1, e.Sites.Max(s => (double)s.TotalSamples / total.Value));
        }
    }

    /// <summary>
    /// The method's declaration line from the PDB of the app an experiment on it ran (newest first): AppDir/Assembly.dll.
    /// The file is made relative to <paramref name="root"/> when it lies under it. Null when no build or PDB has it.
    /// </summary>
    private static SourceLocation? Declaration(MethodIdentity method, IReadOnlyList<ExperimentRecord> experiments, AssemblyCatalog catalog, string root)
    {
        if (method.Assembly.Length == 0) return null;
        var appDirs = experiments.Where(e => e.Edits.Any(x => x.Method == method)).OrderByDescending(e => e.StartedUtc)
            .Select(e => e.AppDir).Where(d => d.Length > 0).Distinct();
        foreach (var dir in appDirs)
        {
            var assembly = catalog.Open(Path.Combine(dir, method.Assembly + ".dll"));
            if (assembly?.FindMethod(method)?.Method is not { } entry) continue;
            if (assembly.GetFirstLine(entry.Token) is not { Line: >= 1 } first || first.File.Length == 0) continue;
            var relative = Sarif.Relative(first.File, root);
            return first with { File = relative ?? first.File, Column = Math.Max(first.Column, 1) };
        }
        return null;
    }

    private static void Render(AdviceFile advice)
    {
        var table = new Table().Border(TableBorder.Simple);
        table.AddColumns("action", "method", "share", "evidence", "declared at");
        foreach (var r in advice.Recommendations)
        {
            var e = r.Evidence;
            var evidence = e.Kind == "measured"
                ? $"{e.Metric} {Percent.Signed(e.Effect)} [{Percent.Signed(e.Low)}, {Percent.Signed(e.High)}] n={e.N}" + (e.Tier1CodeChange is { } c ? $", Tier1 code {Percent.Signed(c)}" : "") + $" (experiment {string.Join(", ", e.ExperimentIds)})"
                : $"predicted by {e.ModelVersion}: [{Percent.Signed(e.Low)}, {Percent.Signed(e.High)}]";
            table.AddRow(r.Action.Text(), Common.Escape($"{r.Method.Display} {r.Method.Signature}"), Percent.Share(r.AmdahlBound),
                Common.Escape(evidence), Common.Escape(r.Source is { } s ? $"{s.File}:{s.Line}" : "unknown"));
        }
        AnsiConsole.Write(table);
    }

}
