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
};
return await root.Parse(args).InvokeAsync();
