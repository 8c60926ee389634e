// The one definition of the runtime settings runs and experiments record (grouping runs, comparing experiments with profiles).
using InlineAdvisor.Core;
using Xunit;

namespace InlineAdvisor.Tests;

public class RuntimeSettingsTests
{
    [Fact]
    public void Records_only_settings_that_change_the_JIT_in_a_fixed_order()
    {
        var env = new Dictionary<string, string>
        {
            ["DOTNET_ROOT"] = "/usr/share/dotnet",
            ["DOTNET_NOLOGO"] = "1",
            ["DOTNET_ReadyToRun"] = "0",
            ["DOTNET_TieredPGO"] = "0",
        };
        Assert.Equal("DOTNET_TieredPGO=0;DOTNET_ReadyToRun=0", RuntimeSettings.Describe(env));
    }

    [Fact]
    public void The_legacy_COMPlus_prefix_counts_and_DOTNET_wins()
    {
        Assert.Equal("DOTNET_TieredPGO=0", RuntimeSettings.Describe(new Dictionary<string, string> { ["COMPlus_TieredPGO"] = "0" }));
        Assert.Equal("DOTNET_TieredPGO=1",
            RuntimeSettings.Describe(new Dictionary<string, string> { ["COMPlus_TieredPGO"] = "0", ["DOTNET_TieredPGO"] = "1" }));
    }

    [Fact]
    public void Nothing_set_is_the_empty_string() => Assert.Equal("", RuntimeSettings.Describe(new Dictionary<string, string>()));
}
