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

var root = new RootCommand("InlineAdvisor: measure where inlining matters in a .NET program, what the JIT decided and why.")
{
    CollectCommand.Create(),
    ImportCommand.Create(),
    ReportCommand.Create(),
    RunsCommand.Create(),
    ExperimentCommand.Create(),
    ExportCommand.Create(),
    ApplyCommand.Create(),
    CheckCommand.Create(),
    DatasetCommand.Create(), TrainCommand.Create(), AdviseCommand.Create(),
};
// No Ctrl-C handling by System.CommandLine: it cancels the action and, 2 s later, returns 130 whether the action
// is done or not, which cut `collect` off before it stored what it had recorded. `collect` and `experiment`
// handle SIGINT and SIGTERM themselves (Interruption); the other verbs end at once, the default signal action.
var parsed = root.Parse(args);
var exitCode = await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
// A wrong command line is 2 for every verb (System.CommandLine says 1): CI scripts tell it from a failure.
return parsed.Errors.Count > 0 ? (int)InlineAdvisor.Cli.ExitCode.Usage : exitCode;
