// `advisor lsp`: the language server over stdio. stdout carries only the protocol; every log line goes to stderr.
using System.CommandLine;
using InlineAdvisor.LanguageServer;
using InlineAdvisor.Store;

namespace InlineAdvisor.Cli.Commands;

internal static class LspCommand
{
    public static Command Create()
    {
        var store = new Option<string?>("--store")
        {
            Description = $"The profile store: a SQLite file or a postgresql://user@host:port/database URI. Default: the client's storePath setting, else ${ProfileStore.EnvironmentVariable}, else .inline-advisor/advisor.db under the workspace root.",
            HelpName = "path",
        };
        var stdio = new Option<bool>("--stdio") { Description = "Serve over stdin/stdout (the default and only transport; accepted for clients that pass it)." };
        var cmd = new Command("lsp", """
            Run the language server on stdin/stdout (LSP 3.17): code lenses with each hot call site's CPU share and
            the JIT's decision, hovers with the full evidence, code actions that add or remove [MethodImpl] options,
            and commands that collect profiles and run experiments. Opens no network port.
            """) { store, stdio };
        cmd.SetAction(async (parse, ct) =>
        {
            // Nothing else may write to stdout: the protocol owns it. Console.Out now points at stderr.
            var stdout = Console.OpenStandardOutput();
            var stdin = Console.OpenStandardInput();
            var log = Console.Error;
            Console.SetOut(log);
            var server = new Server(stdin, stdout, log, parse.GetValue(store));
            return await server.RunAsync();
        });
        return cmd;
    }
}
