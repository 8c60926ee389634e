// The MSBuild targets in a real `dotnet build` of a small standalone project: the built dll carries the advised
// flag, stale advice is a build warning, and an invalid advice file fails the build with the advisor's reason.
using InlineAdvisor.Advice;
using InlineAdvisor.Core;
using InlineAdvisor.Tests.EndToEnd;
using Xunit;
using static InlineAdvisor.Tests.Advice.ApplyTestSupport;

namespace InlineAdvisor.Tests.Advice;

public sealed class MsBuildTests : IDisposable
{
    private readonly TempDir _dir = new();
    public void Dispose() => _dir.Dispose();

    private static readonly string Targets = Path.Combine(Repo.Root, "server", "InlineAdvisor.Advice", "build", "InlineAdvisor.targets");
    private static readonly MethodIdentity Work = new("Demo", "Demo.Program", "Work", "int32  (int32)");

    [Fact]
    [Trait("Category", "EndToEnd")]
    public void Dotnet_build_applies_the_advice_file_and_fails_clearly_on_an_invalid_one()
    {
        var project = _dir.File("demo");
        Directory.CreateDirectory(project);
        // Standalone: a temp folder, so no Directory.Build.props of this repository applies.
        File.WriteAllText(Path.Combine(project, "Demo.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <InlineAdviceFile>inline-advice.json</InlineAdviceFile>
                <InlineAdvisorPath>{Repo.Advisor}</InlineAdvisorPath>
              </PropertyGroup>
              <Import Project="{Targets}" />
            </Project>
            """);
        File.WriteAllText(Path.Combine(project, "Program.cs"), """
            namespace Demo;
            public static class Program
            {
                public static int Work(int x) => x * 3 + 1;
                public static void Main() => Console.WriteLine($"checksum: {Work(14)}");
            }
            """);
        Write(AdviceOf(Rec(Work, InlineAction.Force), Rec(Work with { Name = "Retired" }, InlineAction.Block)), Path.Combine(project, "inline-advice.json"));

        var build = Build(project);

        Assert.True(build.ExitCode == 0, build.All);
        var dll = Path.Combine(project, "bin", "Release", "net10.0", "Demo.dll");
        Assert.Equal(MethodImplFlags.AggressiveInlining, FlagsOf(dll, Work));
        Assert.Contains("warning IA0002: InlineAdvisor: stale advice for Demo.dll: [Demo] Demo.Program.Retired", build.Stdout);
        Assert.Contains("InlineAdvisor: inline-advice.json applied to", build.Stdout);
        Assert.Empty(Temps(Path.GetDirectoryName(dll)!));
        var run = Repo.Run("dotnet", [dll], project);
        Assert.Equal("checksum: 43", run.Stdout.Trim());

        // Publish copies the compiler's unpatched output: the targets apply the advice to the publish folder too.
        var publish = LiveProcesses.Run("dotnet", ["publish", "-c", "Release", "--no-build", "-o", "pub", "--disable-build-servers", "-nologo"], project,
            new Dictionary<string, string> { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" }, timeoutSeconds: 240);
        Assert.True(publish.ExitCode == 0, publish.All);
        Assert.Equal(MethodImplFlags.AggressiveInlining, FlagsOf(Path.Combine(project, "pub", "Demo.dll"), Work));

        File.WriteAllText(Path.Combine(project, "broken.json"), """{ "schemaVersion": 99, "recommendations": [] }""");
        var broken = Build(project, "-p:InlineAdviceFile=broken.json");

        Assert.NotEqual(0, broken.ExitCode);
        Assert.Contains("error IA0001: InlineAdvisor: applying broken.json to", broken.Stdout);
        Assert.Contains("has schema version 99; this InlineAdvisor reads version 1", broken.Stdout);
    }

    private ProcessResult Build(string project, params string[] extra) =>
        LiveProcesses.Run("dotnet", ["build", "-c", "Release", "--disable-build-servers", "-nologo", "-v:minimal", .. extra], project,
            new Dictionary<string, string> { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" }, timeoutSeconds: 240);
}
