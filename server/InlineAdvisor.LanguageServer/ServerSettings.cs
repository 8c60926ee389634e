// The client's settings (initializationOptions and workspace/didChangeConfiguration, under settings.inlineAdvisor),
// read field by field: one field of the wrong type is ignored, never a reason to refuse the whole message.
using System.Text.Json;

namespace InlineAdvisor.LanguageServer;

/// <summary>ServerSettings in protocol.ts.</summary>
public sealed record ServerSettings(string? StorePath = null, double MinCpuPercent = 1.0, bool LensesEnabled = true, string? WorkloadCommand = null, string? AppDir = null)
{
    public ServerSettings With(JsonElement e)
    {
        var s = this;
        if (e.ValueKind != JsonValueKind.Object) return s;
        if (e.TryGetProperty("storePath", out var p) && p.ValueKind == JsonValueKind.String) s = s with { StorePath = p.GetString() is { Length: > 0 } v ? v : null };
        if (e.TryGetProperty("minCpuPercent", out var m) && m.ValueKind == JsonValueKind.Number && m.TryGetDouble(out var d)) s = s with { MinCpuPercent = d };
        if (e.TryGetProperty("lensesEnabled", out var l) && l.ValueKind is JsonValueKind.True or JsonValueKind.False) s = s with { LensesEnabled = l.GetBoolean() };
        if (e.TryGetProperty("workloadCommand", out var w) && w.ValueKind == JsonValueKind.String) s = s with { WorkloadCommand = w.GetString() is { Length: > 0 } v ? v : null };
        if (e.TryGetProperty("appDir", out var a) && a.ValueKind == JsonValueKind.String) s = s with { AppDir = a.GetString() is { Length: > 0 } v ? v : null };
        return s;
    }
}
