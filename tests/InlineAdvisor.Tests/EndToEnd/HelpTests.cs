// The root help is one screen: one line per verb, every verb there, the details under `advisor <verb> --help`.
using Xunit;

namespace InlineAdvisor.Tests.EndToEnd;

public sealed class HelpTests
{
    static readonly string[] Verbs = ["collect", "import", "runs", "report", "advise", "experiment", "export", "apply", "check", "lsp", "dataset", "train"];

    [Fact]
    public void Root_help_lists_each_verb_on_one_line_and_each_verb_has_its_own_detailed_help()
    {
        var root = Repo.RunAdvisor(Repo.Root, null, "--help");
        Assert.Equal(0, root.ExitCode);
        var lines = root.Stdout.Split('\n');
        Assert.True(lines.Length < 30, $"root help is {lines.Length} lines:\n{root.Stdout}");
        foreach (var verb in Verbs)
        {
            var line = Assert.Single(lines, l => l.StartsWith($"  {verb} ", StringComparison.Ordinal));
            Assert.True(line.Length <= 120, $"'{line}' is longer than a terminal line");
            var own = Repo.RunAdvisor(Repo.Root, null, verb, "--help");
            Assert.Equal(0, own.ExitCode);
            Assert.Contains($"advisor {verb}", own.Stdout);
        }

        var none = Repo.RunAdvisor(Repo.Root, null);
        Assert.Equal(2, none.ExitCode);
        Assert.StartsWith("advisor: give a verb", none.Stderr);
        Assert.Contains("  collect ", none.Stderr);
    }
}
