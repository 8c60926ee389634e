// `advisor runs`: list the stored runs, newest first.
using System.CommandLine;
using System.Text.Json;
using Spectre.Console;

namespace InlineAdvisor.Cli.Commands;

internal static class RunsCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Write the list as JSON." };
        var store = Common.StoreOption();
        var cmd = new Command("runs", "List the runs in the store, newest first.") { json, store };
        cmd.SetAction(parse =>
        {
            using var profileStore = Common.OpenStore(parse.GetValue(store)!, out var storeError);
            if (profileStore is null) return storeError;
            var runs = profileStore.ListRuns();
            if (parse.GetValue(json)) { Console.WriteLine(JsonSerializer.Serialize(runs, ReportCommand.JsonOptions)); return 0; }
            if (runs.Count == 0) { Console.WriteLine($"no runs in {profileStore.Path} yet: record one with `advisor collect -- <command>`"); return 0; }
            var table = new Table().Border(TableBorder.Simple);
            table.AddColumns("run", "started (UTC)", "program", "mode", "seconds", "runtime settings", "command line");
            foreach (var r in runs)
                table.AddRow(r.Id.ToString(), r.StartedUtc.ToString("yyyy-MM-dd HH:mm:ss"), Common.Escape(r.Program), r.Mode.ToString().ToLowerInvariant(),
                    r.DurationSeconds.ToString("0.0"), Common.Escape(r.RuntimeConfig.Length > 0 ? r.RuntimeConfig : r.Mode == InlineAdvisor.Core.CollectMode.File ? "unknown" : "default"), Common.Escape(r.CommandLine));
            AnsiConsole.Write(table);
            return 0;
        });
        return cmd;
    }
}
