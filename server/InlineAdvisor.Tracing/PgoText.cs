// Parses the runtime's DOTNET_WritePGOData text file into per-method edge counts.
using System.Globalization;

namespace InlineAdvisor.Tracing;

/// <summary>Instrumented flow-graph edges of one method: source block IL offset → target block IL offset.</summary>
internal sealed record MethodPgo(IReadOnlyList<(int From, int To, long Count)> Edges)
{
    /// <summary>
    /// Executions of the basic block holding <paramref name="ilOffset"/>: the larger of the summed
    /// instrumented edges into and out of it. The JIT instruments a subset of edges (the rest follow
    /// from flow), so this is a lower bound where a block's edges were not all instrumented. Edges into
    /// IL offset 0 include the pseudo-edge from each return back to the entry, so the entry block
    /// counts calls.
    /// </summary>
    public long? BlockCount(int ilOffset)
    {
        int block = -1;
        foreach (var (from, to, _) in Edges)
        {
            if (from <= ilOffset && from > block) block = from;
            if (to <= ilOffset && to > block) block = to;
        }
        if (block < 0) return null;
        long into = Edges.Where(e => e.To == block).Sum(e => e.Count);
        long outOf = Edges.Where(e => e.From == block).Sum(e => e.Count);
        return Math.Max(into, outOf);
    }
}

internal static class PgoText
{
    // InstrumentationKind values for edge counters (pgo_formatdata.h): EdgeIntCount, EdgeLongCount.
    private const int EdgeIntCount = 0x181, EdgeLongCount = 0x182;

    /// <summary>Methods keyed "Type.Name|Signature" as the file writes them. Unknown records are skipped.</summary>
    public static Dictionary<string, MethodPgo> Parse(string path)
    {
        var result = new Dictionary<string, MethodPgo>();
        string? name = null, signature = null;
        List<(int, int, long)>? edges = null;
        (int Kind, int From, int To)? pending = null;

        void Flush()
        {
            if (name is not null && signature is not null && edges is { Count: > 0 })
                result[$"{name}|{signature}"] = new MethodPgo(edges);
            name = signature = null;
            edges = null;
        }

        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith("@@@", StringComparison.Ordinal)) { Flush(); edges = []; pending = null; }
            else if (line.StartsWith("MethodName: ", StringComparison.Ordinal)) name = line["MethodName: ".Length..];
            else if (line.StartsWith("Signature: ", StringComparison.Ordinal)) signature = line["Signature: ".Length..];
            else if (line.StartsWith("Schema ", StringComparison.Ordinal)) pending = ParseSchema(line);
            else if (pending is { } p && edges is not null && long.TryParse(line.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            {
                if (p.Kind is EdgeIntCount or EdgeLongCount) edges.Add((p.From, p.To, value));
                pending = null;
            }
        }
        Flush();
        return result;
    }

    // "Schema InstrumentationKind 385 ILOffset 8 Count 1 Other 24"
    private static (int, int, int)? ParseSchema(string line)
    {
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        int Field(string key)
        {
            int i = Array.IndexOf(parts, key);
            return i >= 0 && i + 1 < parts.Length && int.TryParse(parts[i + 1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : -1;
        }
        int kind = Field("InstrumentationKind");
        return kind < 0 ? null : (kind, Field("ILOffset"), Field("Other"));
    }
}
