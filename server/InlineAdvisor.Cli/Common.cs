// Options and helpers shared by the verbs: the store location, clear error lines, number formats.
using System.CommandLine;
using System.Globalization;
using InlineAdvisor.Store;
using Spectre.Console;

namespace InlineAdvisor.Cli;

internal static class Common
{
    public const string DefaultStore = ProfileStore.DefaultPath;

    /// <summary>--store: a SQLite file or a postgresql:// URI; when absent, INLINE_ADVISOR_STORE, else the file under the current directory.</summary>
    public static Option<string> StoreOption() => new("--store")
    {
        Description = $"The profile store: a SQLite file or a postgresql://user@host:port/database URI (a team store). " +
                      $"Default: ${ProfileStore.EnvironmentVariable} if set, else {DefaultStore} under the current directory.",
        DefaultValueFactory = _ => ProfileStore.DefaultLocation(),
        HelpName = "path|uri",
    };

    /// <summary>One line on stderr, no stack trace: the contract for every failure a user can cause.</summary>
    public static int Fail(string message, ExitCode code = ExitCode.Failed)
    {
        Console.Error.WriteLine($"advisor: {message}");
        return (int)code;
    }

    public static ProfileStore? OpenStore(string path, out int exitCode)
    {
        try
        {
            exitCode = 0;
            return ProfileStore.Open(path);
        }
        catch (StoreException e)
        {
            exitCode = Fail(e.Message);
            return null;
        }
    }

    public static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
    public static string Escape(string s) => Markup.Escape(s);
}
