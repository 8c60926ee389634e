// `advisor report --html FILE`: the run's evidence gathered from the store and written as one page (InlineAdvisor.Report).
using InlineAdvisor.Core;
using InlineAdvisor.Report;
using InlineAdvisor.Store;

namespace InlineAdvisor.Cli.Commands;

internal static class HtmlReportFile
{
    public static int Write(string path, ProfileStore store, RunInfo info, RunProfile profile, double hotThreshold, Func<CallSite, bool>? hide,
        string? appDir, string? modelPath)
    {
        if (Directory.Exists(path)) return Common.Fail($"--html {path} is a folder: give a file name, e.g. {Path.Combine(path, "report.html")}");
        var input = HtmlReport.Input(profile, store.ListExperiments(), store.ListScreens(), appDir, modelPath,
            "pass --app <folder of the app's built assemblies>", hotThreshold, hide);
        try
        {
            HtmlReport.Write(path, input);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Common.Fail($"cannot write {path}: {e.Message}");
        }
        Console.WriteLine($"wrote {Path.GetFullPath(path)}: run {info.Id}, {profile.Sites.Count} call sites, {input.Experiments.Count} experiment(s)");
        return (int)ExitCode.Ok;
    }
}
