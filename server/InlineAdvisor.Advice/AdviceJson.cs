// Reads and writes the advice file. Reading treats it as untrusted input: size, version, actions, duplicates.
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using InlineAdvisor.Core;

namespace InlineAdvisor.Advice;

public static class AdviceJson
{
    /// <summary>Advice files larger than this are refused: a real one holds hundreds of entries, not millions.</summary>
    public const long MaxBytes = 16 << 20;

    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,   // people review the file: "1.0+abc", "Größe", not \u escapes
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false) },
        RespectRequiredConstructorParameters = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { IdentityOnly } },
    };

    /// <summary>A method is written as its identity only (assembly, type, name, signature, as the schema says):
    /// MethodIdentity's derived Display and NameKey would be redundant copies a hand edit could contradict.</summary>
    private static void IdentityOnly(JsonTypeInfo info)
    {
        if (info.Type != typeof(MethodIdentity)) return;
        for (int i = info.Properties.Count - 1; i >= 0; i--)
            if (info.Properties[i].AttributeProvider is PropertyInfo { Name: nameof(MethodIdentity.Display) or nameof(MethodIdentity.NameKey) })
                info.Properties.RemoveAt(i);
    }

    /// <summary>Writes atomically (<see cref="AtomicFile"/>): a reader never sees half a file.</summary>
    public static void Write(AdviceFile advice, string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(advice, Options));

    /// <exception cref="AdviceException">The file is missing, too large, not JSON of this schema, of another
    /// schema version, has an unknown action, or lists a method twice.</exception>
    public static AdviceFile Read(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists) throw new AdviceException($"advice file not found: {path}");
        if (info.Length > MaxBytes) throw new AdviceException($"{path} is {info.Length / 1048576.0:0.0} MB; advice files are limited to {MaxBytes >> 20} MB");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { MaxDepth = 32 }); }
        catch (JsonException e) { throw new AdviceException($"{path} is not JSON: {e.Message}", e); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("schemaVersion", out var version) || version.ValueKind != JsonValueKind.Number)
                throw new AdviceException($"{path} is not an InlineAdvisor advice file (no schemaVersion)");
            if (!version.TryGetInt32(out var v) || v != AdviceFile.CurrentSchemaVersion)
                throw new AdviceException($"{path} has schema version {version}; this InlineAdvisor reads version {AdviceFile.CurrentSchemaVersion}");
            AdviceFile? advice;
            try { advice = doc.RootElement.Deserialize<AdviceFile>(Options); }
            catch (JsonException e) { throw new AdviceException($"{path}: {Describe(e)}", e); }
            if (advice is null) throw new AdviceException($"{path} is empty");
            for (int i = 0; i < advice.Recommendations.Count; i++)
            {
                var r = advice.Recommendations[i];
                if (!Enum.IsDefined(r.Action) || r.Action == InlineAction.Leave) throw new AdviceException($"{path}: recommendation {i + 1} has an unknown action");
                if (r.Method is null || string.IsNullOrEmpty(r.Method.Type) || string.IsNullOrEmpty(r.Method.Name) || r.Method.Signature is null)
                    throw new AdviceException($"{path}: recommendation {i + 1} names no complete method (assembly, type, name, signature)");
                if (r.Evidence.Kind is not ("measured" or "predicted"))
                    throw new AdviceException($"{path}: recommendation {i + 1} has evidence of kind '{r.Evidence.Kind}' (measured or predicted)");
            }
            var duplicate = advice.Recommendations.GroupBy(r => r.Method).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null) throw new AdviceException($"{path} lists {duplicate.Key.Display} {duplicate.Key.Signature} {duplicate.Count()} times; one recommendation per method");
            return advice;
        }
    }

    private static string Describe(JsonException e) =>
        e.Message.Contains("could not be converted", StringComparison.Ordinal) && e.Path?.EndsWith(".action", StringComparison.Ordinal) == true
            ? $"unknown action at {e.Path} (force, block or remove)"
            : $"{e.Message}";
}
