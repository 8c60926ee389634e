// `advisor import`: analyze an existing .nettrace (from dotnet-trace, or kept by an earlier collect) into the store.
using System.CommandLine;
using InlineAdvisor.Core;
using InlineAdvisor.Tracing;

namespace InlineAdvisor.Cli.Commands;

internal static class ImportCommand
{
    public static Command Create()
    {
        var trace = new Argument<string>("trace") { Description = "A .nettrace file recorded with the providers `advisor collect` uses." };
        var pgo = new Option<string?>("--pgo") { Description = "The DOTNET_WritePGOData text file of the same run, if any.", HelpName = "file" };
        var program = new Option<string?>("--program") { Description = "The program name to group this run under (default: the trace's file name).", HelpName = "name" };
        var assemblies = new Option<string[]>("--assemblies")
        {
            Description = "Folder(s) holding the program's .dll and .pdb files, for a trace recorded where those paths no longer exist.",
            HelpName = "dir",
            AllowMultipleArgumentsPerToken = true,
        };
        var store = Common.StoreOption();
        var cmd = new Command("import", """
            Analyze a .nettrace recorded elsewhere and store its call-edge profile. For the JIT's decisions the
            trace needs the runtime provider with JitTracing; record it with
              dotnet-trace collect --providers <see ARCHITECTURE.md> -- <command>
            """) { trace, pgo, program, assemblies, store };
        cmd.SetAction(parse =>
        {
            var path = parse.GetValue(trace)!;
            if (!File.Exists(path)) return Common.Fail($"trace file not found: {path}");
            var pgoPath = parse.GetValue(pgo);
            if (pgoPath is not null && !File.Exists(pgoPath)) return Common.Fail($"PGO file not found: {pgoPath}");
            using var profileStore = Common.OpenStore(parse.GetValue(store)!, out var storeError);
            if (profileStore is null) return storeError;
            var name = parse.GetValue(program) ?? Path.GetFileNameWithoutExtension(path);
            // No start time (default): the run is dated by the trace's own header, when it was recorded, not by the
            // file's modification time, which a copy or a clone changes.
            var collected = new CollectedTrace(0, name, path, pgoPath, CollectMode.File, default, 0, new FileInfo(path).Length, 0,
                ["imported from a file: the process, its command line and runtime settings are not known"]);
            var dirs = parse.GetValue(assemblies) ?? [];
            if (dirs.FirstOrDefault(d => !Directory.Exists(d)) is { } missing) return Common.Fail($"--assemblies: no folder {missing}");
            return Analysis.AnalyzeAndStore([collected], profileStore, stoppedEarly: false, untraced: [], dirs);
        });
        return cmd;
    }
}
