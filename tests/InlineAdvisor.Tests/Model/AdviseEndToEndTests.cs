// End to end: the real `advisor collect` on the mixer sample, then the real `advisor advise` on its store with the shipped model.
using System.Text.Json;
using InlineAdvisor.Tests.EndToEnd;
using Xunit;

namespace InlineAdvisor.Tests.Model;

public sealed class AdviseEndToEndTests
{
    [Fact]
    public void Mixer_forced_inline_gets_remove_or_leave_with_its_evidence_stated()
    {
        using var dir = new TempDir();
        var store = dir.File("s.db");
        var collect = Repo.RunAdvisor(dir.Path, null, "collect", "--store", store, "--output", dir.File("t.nettrace"), "--",
            "dotnet", Repo.SamplesDll, "mixer", "--scale", "0.4");
        Assert.True(collect.ExitCode == 0, collect.All);

        var model = Path.Combine(Repo.Root, "models", "inline-model.json");
        var r = Repo.RunAdvisor(dir.Path, null, "advise", "--store", store, "--app", Repo.SamplesDir, "--model", model, "--json", "--top", "50");
        Assert.True(r.ExitCode == 0, r.All);
        using var doc = JsonDocument.Parse(r.Stdout);
        var sites = doc.RootElement.GetProperty("sites").EnumerateArray().ToList();
        var mix = sites.Where(s => s.GetProperty("site").GetProperty("callee").GetProperty("name").GetString() == "Mix")
            .MaxBy(s => s.GetProperty("bound").GetDouble());
        Assert.True(mix.ValueKind == JsonValueKind.Object, r.Stdout);
        Assert.Equal("AggressiveInlining", mix.GetProperty("existingAttribute").GetString());
        var action = mix.GetProperty("action").GetString();
        Assert.Contains(action, new[] { "remove", "leave" });
        Assert.Equal("remove", mix.GetProperty("considered").GetString());
        // No experiment in this store: the payoff is a prediction and says so; the reason is stated in words.
        Assert.Equal("predicted", mix.GetProperty("evidence").GetString());
        Assert.EndsWith("(predicted)", mix.GetProperty("payoff").GetString());
        Assert.False(string.IsNullOrWhiteSpace(mix.GetProperty("reason").GetString()));
        Assert.Equal(4, mix.GetProperty("predicted").GetArrayLength());
        // Nothing is shown as measured without an experiment.
        Assert.DoesNotContain(sites, s => s.GetProperty("evidence").GetString() == "measured");

        var table = Repo.RunAdvisor(dir.Path, null, "advise", "--store", store, "--app", Repo.SamplesDir, "--model", model);
        Assert.True(table.ExitCode == 0, table.All);
        Assert.Contains("(predicted)", table.Stdout);
        Assert.Contains("ByteHasher.Mix", table.Stdout);
    }
}
