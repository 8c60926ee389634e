// Writes advice as SARIF 2.1.0, so code-scanning UIs show each recommendation on the method's declaration line.
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using InlineAdvisor.Core;

namespace InlineAdvisor.Advice;

/// <summary>
/// SARIF 2.1.0 (OASIS, errata 01) from an <see cref="AdviceFile"/>, with System.Text.Json only.
/// One run; the driver "InlineAdvisor" has one rule per action (IA0001 force, IA0002 block, IA0003 remove), always all
/// three so rule indexes are stable. Each recommendation is one result:
/// <list type="bullet">
/// <item>measured evidence: kind "fail" (the default, omitted) with level "note": a real finding about this code, shown on
/// its line, but advice rather than a defect, so it never reads as a warning or fails a build that gates on warnings;</item>
/// <item>predicted evidence: kind "review" with level "none" (SARIF requires "none" for any kind but "fail"): a model's
/// estimate nobody has measured, listed for a person to confirm with `advisor experiment`, never alerted on.</item>
/// </list>
/// Locations: the declaration's file relative to the source root with uriBaseId "SRCROOT" (forward slashes,
/// percent-encoded), or an absolute file: URI when the file lies outside it; region startLine/startColumn; a logical
/// location with the method's name always. Properties carry the method identity, action, evidence and Amdahl bound
/// exactly as the advice file writes them; partialFingerprints carry a hash of the identity, so a result keeps its
/// identity when lines move.
/// </summary>
public static class Sarif
{
    public const string Version = "2.1.0";
    public const string SchemaUri = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
    public const string SourceRootId = "SRCROOT";

    private sealed record Rule(string Id, InlineAction Action, string Name, string Short, string Full, string Help);

    private static readonly Rule[] Rules =
    [
        new("IA0001", InlineAction.Force, "ForceInlining", "Force inlining of this method",
            "Inlining this method was measured to pay: add [MethodImpl(MethodImplOptions.AggressiveInlining)] (and drop NoInlining), so the JIT inlines it wherever it can.",
            "Apply with `advisor apply <advice file> --source <dir>` (edits the attribute) or `--assemblies <build output>` (patches the built flags); `advisor check` fails when the advice no longer holds."),
        new("IA0002", InlineAction.Block, "BlockInlining", "Block inlining of this method",
            "Keeping this method a real call was measured to pay: add [MethodImpl(MethodImplOptions.NoInlining)] (and drop AggressiveInlining).",
            "Apply with `advisor apply <advice file> --source <dir>` (edits the attribute) or `--assemblies <build output>` (patches the built flags); `advisor check` fails when the advice no longer holds."),
        new("IA0003", InlineAction.Remove, "RemoveInliningAttribute", "Remove the inlining attribute of this method",
            "The method's AggressiveInlining/NoInlining attribute does not pay: without it the JIT was measured to do as well (or better), usually with less code. Remove it and let the JIT decide.",
            "Apply with `advisor apply <advice file> --source <dir>` (edits the attribute) or `--assemblies <build output>` (patches the built flags); `advisor check` fails when the advice no longer holds."),
    ];

    private static readonly JsonSerializerOptions WriteOptions = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,   // readable non-ASCII names; still valid JSON
    };

    /// <summary>Writes atomically (<see cref="AtomicFile"/>): a reader sees the old log or the whole new one.</summary>
    /// <param name="sourceRoot">The folder relative source paths are relative to (SRCROOT); absolute paths under it are made relative too.</param>
    public static void Write(AdviceFile advice, string path, string sourceRoot) =>
        AtomicFile.WriteAllText(path, Build(advice, sourceRoot).ToJsonString(WriteOptions));

    /// <summary>The SARIF log as a JSON tree.</summary>
    public static JsonObject Build(AdviceFile advice, string sourceRoot)
    {
        var root = Path.GetFullPath(sourceRoot);
        var results = new JsonArray();
        foreach (var r in advice.Recommendations) results.Add(Result(r, root));

        var rules = new JsonArray();
        foreach (var rule in Rules)
            rules.Add(new JsonObject
            {
                ["id"] = rule.Id,
                ["name"] = rule.Name,
                ["shortDescription"] = new JsonObject { ["text"] = rule.Short },
                ["fullDescription"] = new JsonObject { ["text"] = rule.Full },
                ["help"] = new JsonObject { ["text"] = rule.Help },
                ["defaultConfiguration"] = new JsonObject { ["level"] = "note" },
                ["properties"] = new JsonObject { ["tags"] = new JsonArray("performance", "inlining") },
            });

        return new JsonObject
        {
            ["$schema"] = SchemaUri,
            ["version"] = Version,
            ["runs"] = new JsonArray(new JsonObject
            {
                ["tool"] = new JsonObject
                {
                    ["driver"] = new JsonObject
                    {
                        ["name"] = "InlineAdvisor",
                        ["version"] = advice.ToolVersion,
                        ["rules"] = rules,
                    },
                },
                ["originalUriBaseIds"] = new JsonObject
                {
                    [SourceRootId] = new JsonObject
                    {
                        ["uri"] = FileUri(root, directory: true),
                        ["description"] = new JsonObject { ["text"] = "The source root given to `advisor export --source-root`." },
                    },
                },
                ["columnKind"] = "utf16CodeUnits",
                ["results"] = results,
                ["properties"] = new JsonObject
                {
                    ["adviceSchemaVersion"] = advice.SchemaVersion,
                    ["generatedUtc"] = advice.GeneratedUtc.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
                },
            }),
        };
    }

    private static JsonObject Result(Recommendation r, string root)
    {
        int index = Array.FindIndex(Rules, x => x.Action == r.Action);
        if (index < 0) throw new AdviceException($"recommendation for {r.Method.Display} has an unknown action");
        bool predicted = r.Evidence.Kind == "predicted";

        var location = new JsonObject();
        if (r.Source is { Line: >= 1 } source && source.File.Length > 0)
        {
            var artifact = new JsonObject();
            if (Relative(source.File, root) is { } relative)
            {
                artifact["uri"] = RelativeUri(relative);
                artifact["uriBaseId"] = SourceRootId;
            }
            else artifact["uri"] = FileUri(Path.Combine(root, source.File), directory: false);   // an absolute file stays as it is
            var region = new JsonObject { ["startLine"] = source.Line };
            if (source.Column >= 1) region["startColumn"] = source.Column;
            location["physicalLocation"] = new JsonObject { ["artifactLocation"] = artifact, ["region"] = region };
        }
        location["logicalLocations"] = new JsonArray(new JsonObject
        {
            ["name"] = r.Method.Name,
            ["fullyQualifiedName"] = r.Method.Display,
            ["decoratedName"] = r.Method.ToString(),   // "[assembly] Type.Name signature": the identity, machine-matchable
            ["kind"] = "function",
        });

        var result = new JsonObject
        {
            ["ruleId"] = Rules[index].Id,
            ["ruleIndex"] = index,
        };
        if (predicted) result["kind"] = "review";
        result["level"] = predicted ? "none" : "note";
        result["message"] = new JsonObject { ["text"] = Message(r) };
        result["locations"] = new JsonArray(location);
        result["partialFingerprints"] = new JsonObject { ["inlineAdvisorMethod/v1"] = Fingerprint(r.Method) };
        result["rank"] = Math.Round(Math.Clamp(r.AmdahlBound, 0, 1) * 100, 2);
        result["properties"] = new JsonObject
        {
            ["method"] = JsonSerializer.SerializeToNode(r.Method, AdviceJson.Options),
            ["action"] = JsonSerializer.SerializeToNode(r.Action, AdviceJson.Options),
            ["evidence"] = JsonSerializer.SerializeToNode(r.Evidence, AdviceJson.Options),
            ["amdahlBound"] = r.AmdahlBound,
            ["tags"] = new JsonArray("performance", "inlining", predicted ? "predicted" : "measured"),
        };
        return result;
    }

    /// <summary>What a person reads on the line: the action first (the first sentence is what narrow views show),
    /// then the reason, the evidence and the bound.</summary>
    internal static string Message(Recommendation r)
    {
        var what = r.Action switch
        {
            InlineAction.Force => $"Force inlining of {r.Method.Display} ([MethodImpl(MethodImplOptions.AggressiveInlining)]).",
            InlineAction.Block => $"Block inlining of {r.Method.Display} ([MethodImpl(MethodImplOptions.NoInlining)]).",
            _ => $"Remove the inlining attribute of {r.Method.Display} and let the JIT decide.",
        };
        var text = new StringBuilder(what);
        if (r.Reason.Length > 0)
        {
            text.Append(' ').Append(char.ToUpperInvariant(r.Reason[0])).Append(r.Reason.AsSpan(1));
            if (!r.Reason.EndsWith('.')) text.Append('.');
        }
        var e = r.Evidence;
        if (e.Kind == "predicted")
        {
            text.Append(" Predicted, not measured");
            if (e.ModelVersion is { } model) text.Append($" (model {model})");
            if (e.Low is { } pl && e.High is { } ph) text.Append($": {e.Metric ?? "effect"} {Percent.Signed(e.Effect)} [{Percent.Signed(pl)}, {Percent.Signed(ph)}]");
            text.Append("; confirm it with `advisor experiment`.");
        }
        else
        {
            text.Append(" Evidence:");
            if (e.ExperimentIds.Count > 0) text.Append($" experiment {string.Join(", ", e.ExperimentIds)}");
            if (e.RunIds.Count > 0) text.Append($" (profile run {string.Join(", ", e.RunIds)})");
            text.Append(',');
            if (e.Metric is { } metric) text.Append($" {metric} {Percent.Signed(e.Effect)} [{Percent.Signed(e.Low)}, {Percent.Signed(e.High)}]");
            if (e.N is { } n) text.Append($" at n={n}");
            if (e.ControlLow is { } cl && e.ControlHigh is { } ch) text.Append($", A/A control [{Percent.Signed(cl)}, {Percent.Signed(ch)}]");
            if (e.Tier1CodeChange is { } code) text.Append($", Tier1 code {Percent.Signed(code)}");
            text.Append('.');
        }
        text.Append($" {Percent.Share(r.AmdahlBound)} of samples go through the measured call sites (a share, not a limit: inlining also changes the callers' own code).");
        return text.ToString();
    }

    private static string Fingerprint(MethodIdentity m) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{m.Assembly}\n{m.Type}\n{m.Name}\n{m.Signature}")));

    /// <summary>The path relative to <paramref name="root"/> with '/' separators, or null when it lies outside.
    /// A relative path is taken as relative to the root already.</summary>
    public static string? Relative(string file, string root)
    {
        if (!Path.IsPathRooted(file))
        {
            var normalized = file.Replace('\\', '/');
            return normalized == ".." || normalized.StartsWith("../", StringComparison.Ordinal) ? null : normalized;
        }
        var relative = Path.GetRelativePath(root, file);
        if (relative is "." or ".." || relative.StartsWith("../", StringComparison.Ordinal) || relative.StartsWith("..\\", StringComparison.Ordinal) || Path.IsPathRooted(relative)) return null;
        return relative.Replace('\\', '/');
    }

    private static string RelativeUri(string relative) =>
        string.Join('/', relative.Split('/').Select(Uri.EscapeDataString));

    /// <summary>An absolute file: URI (RFC 8089), every segment percent-encoded, e.g. file:///home/me/My%20App/.</summary>
    private static string FileUri(string path, bool directory)
    {
        var full = Path.GetFullPath(path).Replace('\\', '/');
        var segments = full.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(s => s.EndsWith(':') && s.Length == 2 ? s : Uri.EscapeDataString(s));
        var uri = "file:///" + string.Join('/', segments);
        return directory && !uri.EndsWith('/') ? uri + "/" : uri;
    }
}
