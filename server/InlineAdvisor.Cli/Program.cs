// Entry point of the `advisor` command: builds the verb tree and runs it.
using System.CommandLine;
using InlineAdvisor.Cli.Commands;
using Spectre.Console;

if (Console.IsOutputRedirected)
{
    // Logs and pipes get plain text at a width that keeps table rows on one line.
    AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings
    {
        Ansi = AnsiSupport.No,
        ColorSystem = ColorSystemSupport.NoColors,
        Out = new AnsiConsoleOutput(Console.Out),
    });
    AnsiConsole.Profile.Width = 240;
}

// Each verb with its one-line summary: the root help lists these, one line per verb (as dotnet-trace does);
// everything else about a verb is under `advisor <verb> --help`.
(Command Verb, string Summary)[] verbs =
[
    (CollectCommand.Create(), "Record a .NET program's CPU samples and JIT inlining decisions; store its call-edge profile"),
    (ImportCommand.Create(), "Store the call-edge profile of a .nettrace recorded elsewhere (e.g. by dotnet-trace)"),
    (RunsCommand.Create(), "List the stored runs, newest first"),
    (ReportCommand.Create(), "Show the hottest call sites: share of CPU, the JIT's decision and reason, sizes, evidence"),
    (AdviseCommand.Create(), "Measured advice per call site, and predicted candidates worth measuring"),
    (ExperimentCommand.Create(), "Measure forcing, blocking or removing inlining on your workload (A/B with an A/A control)"),
    (ExportCommand.Create(), "Write the measured recommendations to a file for CI (JSON or SARIF)"),
    (ApplyCommand.Create(), "Apply a recommendations file to built assemblies (IL flag patch) or to source"),
    (CheckCommand.Create(), "Fail the build when a recommendation no longer holds"),
    (LspCommand.Create(), "Run the language server (the editor extension starts it)"),
    (DatasetCommand.Create(), "Build the model's training examples from corpus measurements and stored experiments"),
    (TrainCommand.Create(), "Train the payoff model and write its card"),
];
const string About = "InlineAdvisor: measure where inlining matters in a .NET program, what the JIT decided and why.";
var root = new RootCommand(About);
foreach (var (verb, _) in verbs) root.Subcommands.Add(verb);

if (args is [] or ["--help"] or ["-h"] or ["-?"])
{
    // System.CommandLine's root help prints every verb's whole description: pages. Ours is one screen.
    var width = verbs.Max(v => v.Verb.Name.Length) + 2;
    var help = new System.Text.StringBuilder($"{About}\n\nUsage: advisor <verb> [options]   (details: advisor <verb> --help)\n\nVerbs:\n");
    foreach (var (verb, summary) in verbs) help.Append("  ").Append(verb.Name.PadRight(width)).Append(summary).Append('\n');
    help.Append("\nStart with:  advisor collect -- dotnet bin/Release/net10.0/App.dll   then   advisor report\n");
    if (args is []) { Console.Error.Write("advisor: give a verb\n\n" + help); return (int)InlineAdvisor.Cli.ExitCode.Usage; }
    Console.Out.Write(help);
    return 0;
}

// No Ctrl-C handling by System.CommandLine: it cancels the action and, 2 s later, returns 130 whether the action
// is done or not, which cut `collect` off before it stored what it had recorded. `collect` and `experiment`
// handle SIGINT and SIGTERM themselves (Interruption); the other verbs end at once, the default signal action.
var parsed = root.Parse(args);
var exitCode = await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
// A wrong command line is 2 for every verb (System.CommandLine says 1): CI scripts tell it from a failure.
return parsed.Errors.Count > 0 ? (int)InlineAdvisor.Cli.ExitCode.Usage : exitCode;
