// The layer table in ARCHITECTURE.md is the rule; every project's references are checked against it, so the code map
// and the code cannot drift apart, and the language server cannot grow a path to the tracing stack.
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using InlineAdvisor.Tests.EndToEnd;
using Xunit;

namespace InlineAdvisor.Tests;

public sealed class ArchitectureTests
{
    static readonly string Server = Path.Combine(Repo.Root, "server");

    /// <summary>project name (without the InlineAdvisor. prefix) → what it may use, from the table's rows, in order.</summary>
    static List<(string Project, HashSet<string> MayUse)> Table()
    {
        var rows = new List<(string, HashSet<string>)>();
        foreach (var line in File.ReadLines(Path.Combine(Repo.Root, "ARCHITECTURE.md")))
        {
            var m = Regex.Match(line, @"^\| `InlineAdvisor\.(\w+)`[^|]*\|.*\| ([^|]+) \|$");
            if (!m.Success) continue;
            var cell = m.Groups[2].Value.Trim();
            var mayUse = cell switch
            {
                "nothing" => [],
                "all of the above" => rows.Select(r => r.Item1).ToHashSet(),
                _ => cell.Split(',', StringSplitOptions.TrimEntries).ToHashSet(),
            };
            rows.Add((m.Groups[1].Value, mayUse));
        }
        return rows;
    }

    static IEnumerable<string> ProjectReferences(string project) =>
        XDocument.Load(Path.Combine(Server, $"InlineAdvisor.{project}", $"InlineAdvisor.{project}.csproj"))
            .Descendants("ProjectReference")
            .Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value.Replace('\\', '/')))
            .Select(n => n.StartsWith("InlineAdvisor.", StringComparison.Ordinal) ? n["InlineAdvisor.".Length..] : n);

    [Fact]
    public void Every_project_references_only_what_the_layer_table_allows()
    {
        var table = Table();
        Assert.True(table.Count >= 10, $"read {table.Count} rows from ARCHITECTURE.md's layer table");
        var projects = Directory.GetDirectories(Server, "InlineAdvisor.*").Select(d => Path.GetFileName(d)["InlineAdvisor.".Length..]).ToList();
        Assert.Empty(projects.Where(p => table.All(r => r.Project != p)).Select(p => $"{p} has no row in ARCHITECTURE.md"));
        Assert.Empty(table.Where(r => !projects.Contains(r.Project)).Select(r => $"ARCHITECTURE.md lists {r.Project}, which does not exist"));
        var violations = table.SelectMany(r => ProjectReferences(r.Project).Where(used => !r.MayUse.Contains(used))
            .Select(used => $"{r.Project} references {used}; ARCHITECTURE.md allows {string.Join(", ", r.MayUse.Order())}"));
        Assert.Empty(violations);
    }

    [Fact]
    public void The_language_server_carries_no_tracing_stack()
    {
        // Its whole closure of project references...
        var closure = new HashSet<string>();
        var todo = new Stack<string>(["LanguageServer"]);
        while (todo.TryPop(out var p))
            if (closure.Add(p)) foreach (var r in ProjectReferences(p)) todo.Push(r);
        Assert.DoesNotContain("Tracing", closure);
        Assert.DoesNotContain("Experiments", closure);

        // ...and what the build actually resolved for it, packages included (TraceEvent, NETCore.Client).
        var deps = Path.Combine(Server, "InlineAdvisor.LanguageServer", "bin", "Release", "net10.0", "InlineAdvisor.LanguageServer.deps.json");
        Assert.True(File.Exists(deps), $"{deps} is built with the solution");
        using var json = JsonDocument.Parse(File.ReadAllText(deps));
        var libraries = json.RootElement.GetProperty("libraries").EnumerateObject().Select(l => l.Name).ToList();
        Assert.Contains(libraries, l => l.StartsWith("InlineAdvisor.Store/", StringComparison.Ordinal));   // the file is the right one
        Assert.DoesNotContain(libraries, l => l.StartsWith("Microsoft.Diagnostics.", StringComparison.Ordinal) || l.StartsWith("InlineAdvisor.Tracing/", StringComparison.Ordinal));
    }
}
