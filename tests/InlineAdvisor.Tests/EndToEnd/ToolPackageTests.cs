// The `dotnet tool` package: `dotnet pack server/InlineAdvisor.Cli` makes it, it installs with `dotnet tool install`
// (a tool path, as --global does, and a local tool manifest), the installed `advisor` runs the verbs with the shipped
// model found beside it, and the language server starts from it (`advisor lsp` answers initialize).
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using InlineAdvisor.LanguageServer.JsonRpc;
using Xunit;

namespace InlineAdvisor.Tests.EndToEnd;

[Collection(LiveProcessCollection.Name)]
public sealed class ToolPackageTests : IDisposable
{
    private readonly TempDir _dir = new();
    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task The_tool_package_installs_and_its_advisor_runs_the_verbs_the_model_and_the_language_server()
    {
        var packages = _dir.File("packages");
        var cli = Path.Combine(Repo.Root, "server", "InlineAdvisor.Cli", "InlineAdvisor.Cli.csproj");
        // The test run built the Release CLI already; pack only adds the tool layout around it.
        // Every build packs 0.1.0, and the SDK resolves a local tool by id and version through caches of its own
        // (~/.dotnet/toolResolverCache, then ~/.nuget/packages): an older 0.1.0 left there by an earlier build is run
        // instead of this one (a CI run got a schema-4 advisor that way). So this package gets a version of its own, and
        // the installs a package cache of their own.
        var version = $"0.1.0-test-{Guid.NewGuid():N}";
        var cache = new Dictionary<string, string> { ["NUGET_PACKAGES"] = _dir.File("nuget-cache") };
        var pack = Repo.Run("dotnet", ["pack", cli, "-c", Repo.Configuration, "--no-build", "-o", packages, "-nologo", $"-p:PackageVersion={version}"], _dir.Path, timeoutSeconds: 300);
        Assert.True(pack.ExitCode == 0, pack.All);
        var nupkg = Assert.Single(Directory.GetFiles(packages, "InlineAdvisor.*.nupkg"));
        using (var zip = System.IO.Compression.ZipFile.OpenRead(nupkg))
        {
            Assert.Contains(zip.Entries, e => e.FullName.EndsWith("/models/inline-model.json", StringComparison.Ordinal));
            Assert.Contains(zip.Entries, e => e.FullName == "tools/net10.0/any/DotnetToolSettings.xml");
        }

        // As `--global` does, into a folder of our own (never the user's ~/.dotnet/tools).
        var tools = _dir.File("tools");
        var install = Repo.Run("dotnet", ["tool", "install", "InlineAdvisor", "--version", version, "--tool-path", tools, "--add-source", packages, "--ignore-failed-sources"], _dir.Path, cache, timeoutSeconds: 300);
        Assert.True(install.ExitCode == 0, install.All);
        var advisor = Path.Combine(tools, "advisor");
        Assert.True(File.Exists(advisor), install.All);

        var help = Repo.Run(advisor, ["--help"], _dir.Path);
        Assert.True(help.ExitCode == 0, help.All);
        Assert.Contains("experiment", help.Stdout);

        // A real collection and advise with the installed advisor: the model it reports is the one in its package.
        var store = _dir.File("s.db");
        var collect = Repo.Run(advisor, ["collect", "--store", store, "--output", _dir.File("t.nettrace"), "--", "dotnet", Repo.SamplesDll, "mixer", "--scale", "0.1"], _dir.Path);
        Assert.True(collect.ExitCode == 0, collect.All);
        var advise = Repo.Run(advisor, ["advise", "--store", store, "--app", Repo.SamplesDir, "--json"], _dir.Path);
        Assert.True(advise.ExitCode == 0, advise.All);
        var model = JsonDocument.Parse(advise.Stdout).RootElement.GetProperty("model").GetString()!;
        Assert.StartsWith(Path.GetFullPath(tools), Path.GetFullPath(model));

        await AssertLanguageServerStarts(advisor, [], store);

        // A local tool: the workspace's manifest, run through `dotnet tool run advisor` (what the extension does), from the
        // same package cache.
        var work = _dir.File("workspace");
        Directory.CreateDirectory(work);
        Assert.Equal(0, Repo.Run("dotnet", ["new", "tool-manifest"], work).ExitCode);
        var local = Repo.Run("dotnet", ["tool", "install", "InlineAdvisor", "--version", version, "--add-source", packages, "--ignore-failed-sources"], work, cache, timeoutSeconds: 300);
        Assert.True(local.ExitCode == 0, local.All);
        var runs = Repo.Run("dotnet", ["tool", "run", "advisor", "runs", "--store", store], work, cache);
        Assert.True(runs.ExitCode == 0, runs.All);
        Assert.Contains("InlineSamples", runs.Stdout);
        await AssertLanguageServerStarts("dotnet", ["tool", "run", "advisor"], store, work, cache);
    }

    /// <summary>Starts `command args… lsp --store S`, sends initialize, and expects the server's capabilities back.</summary>
    private async Task AssertLanguageServerStarts(string command, string[] args, string store, string? cwd = null, IDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo(command) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = cwd ?? _dir.Path };
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        foreach (var a in args.Concat(["lsp", "--store", store])) psi.ArgumentList.Add(a);
        using var server = Process.Start(psi)!;
        try
        {
            var body = Encoding.UTF8.GetBytes("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"processId":null,"rootUri":null,"capabilities":{}}}""");
            var input = server.StandardInput.BaseStream;
            await input.WriteAsync(Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n"));
            await input.WriteAsync(body);
            await input.FlushAsync();
            var reader = new FrameReader(server.StandardOutput.BaseStream);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (true)
            {
                var frame = await reader.ReadAsync().WaitAsync(timeout.Token);
                if (frame is null) Assert.Fail("the server closed its output: " + await server.StandardError.ReadToEndAsync());
                var msg = JsonDocument.Parse(frame!.Value.Body!).RootElement;
                if (!msg.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.Number) continue;   // notifications
                Assert.True(msg.GetProperty("result").TryGetProperty("capabilities", out _), msg.GetRawText());
                return;
            }
        }
        finally
        {
            if (!server.HasExited) server.Kill(entireProcessTree: true);
        }
    }
}
