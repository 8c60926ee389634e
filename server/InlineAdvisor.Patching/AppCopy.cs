// Copies a built application folder, so experiments patch and run copies and never the user's files.
namespace InlineAdvisor.Patching;

public static class AppCopy
{
    /// <summary>Copies every file under <paramref name="source"/> to a new folder <paramref name="destination"/>.</summary>
    public static void Copy(string source, string destination)
    {
        if (!Directory.Exists(source)) throw new PatchException($"--app: no folder {source}");
        if (Directory.Exists(destination)) throw new PatchException($"{destination} exists already; refusing to mix an experiment copy into it");
        var root = Path.GetFullPath(source).TrimEnd('/');
        var target = Path.GetFullPath(destination).TrimEnd('/');
        // The work folder defaults to .inline-advisor/ under the current directory: with --app at or above it, the copy
        // would copy itself until paths grow too long.
        if (target == root || target.StartsWith(root + "/", StringComparison.Ordinal))
            throw new PatchException($"--app {source} contains the experiment's work folder {destination}: point --app at the build output " +
                                     "(e.g. bin/Release/net10.0), or run from a folder outside it");
        foreach (var dir in Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(destination, Path.GetRelativePath(root, dir)));
        Directory.CreateDirectory(destination);
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(destination, Path.GetRelativePath(root, file)));
    }

    /// <summary>
    /// The user's command, pointed at a copy: arguments that name the app folder (or a path inside it)
    /// are rewritten to the copy, and "{app}" stands for the copy anywhere in an argument.
    /// </summary>
    public static IReadOnlyList<string> Retarget(IReadOnlyList<string> command, string appDir, string copy)
    {
        var app = Path.GetFullPath(appDir).TrimEnd('/');
        return command.Select(arg =>
        {
            arg = arg.Replace("{app}", copy, StringComparison.Ordinal);
            // Only what names a path: a bare word ("mixer") is an argument even when the app folder holds such a file.
            if (arg.StartsWith('-') || !arg.Contains('/')) return arg;
            string full;
            try { full = Path.GetFullPath(arg); } catch (Exception e) when (e is ArgumentException or NotSupportedException) { return arg; }
            return full == app || full.StartsWith(app + "/", StringComparison.Ordinal) ? copy + full[app.Length..] : arg;
        }).ToList();
    }
}
