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

    private static readonly (string Suffix, double Factor)[] TimeUnits = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)];
    private static readonly (string Suffix, double Factor)[] SizeUnits =
        [("KB", 1 << 10), ("MB", 1 << 20), ("GB", 1 << 30), ("K", 1 << 10), ("M", 1 << 20), ("G", 1 << 30), ("B", 1)];

    /// <summary>Reads a duration: 30s, 2m, 1.5h, 200ms, a bare number of seconds, or 00:01:30; null when it is not a positive one.</summary>
    public static TimeSpan? ParseDuration(string text)
    {
        text = text.Trim();
        if (text.Contains(':')) return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero ? span : null;
        return WithUnit(text, TimeUnits) is { } seconds ? TimeSpan.FromSeconds(seconds) : null;
    }

    /// <summary>Reads a size: 500k, 3MB, 2G, or bytes; null when it is not a positive one.</summary>
    public static long? ParseSize(string text) => WithUnit(text, SizeUnits) is { } bytes ? (long)bytes : null;

    /// <summary>A positive number with at most one of the unit suffixes (any case; the first that matches wins).</summary>
    private static double? WithUnit(string text, (string Suffix, double Factor)[] units)
    {
        var t = text.Trim().Replace(" ", "");
        double factor = 1;
        foreach (var (suffix, f) in units)
            if (t.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)) { (t, factor) = (t[..^suffix.Length], f); break; }
        return double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0 && double.IsFinite(v) ? v * factor : null;
    }
}
