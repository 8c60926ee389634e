// Command line: `RealWorld <library> [--scale X | --seconds S]`, `RealWorld --list`, `RealWorld --attributes <library>`.
// Prints library, assembly, checksum, iterations, elapsed_ms. Bad arguments: one line on stderr, exit code 2.
// Each workload does a fixed amount of work at --scale 1 (~2-3 s on a 2-core machine) on inputs generated in-process
// from fixed seeds, so the checksum depends only on the library, its version and the scale. --seconds S instead
// repeats iterations until S seconds have passed (for quick tests: the checksum then depends on the count, printed).
using System.Diagnostics;
using System.Globalization;
using System.Reflection;

namespace RealWorld;

/// <summary>One library's workload: a type from the library (its assembly is the one profiled), the iterations at
/// scale 1, and one iteration (index → value folded into the checksum).</summary>
public sealed record Workload(string Name, string Description, Type LibraryType, int IterationsAtScale1, Func<int, ulong> Iteration, Action? Setup = null);

public static class Program
{
    public static readonly Workload[] Workloads =
    [
        HashingWorkload.Create(),
        Lz4Workload.Create(),
        XxHashWorkload.Create(),
        CsvWorkload.Create(),
        YamlWorkload.Create(),
        MarkdownWorkload.Create(),
        NodaTimeWorkload.Create(),
        SharpZipLibWorkload.Create(),
        ZstdWorkload.Create(),
        BouncyCastleWorkload.Create(),
    ];

    public static int Main(string[] args)
    {
        var inv = CultureInfo.InvariantCulture;
        if (args is ["--help" or "-h"] || args is ["--list"])
        {
            if (args[0] != "--list") Console.WriteLine("usage: RealWorld <library> [--scale X | --seconds S] | --list | --attributes <library>");
            foreach (var w in Workloads) Console.WriteLine($"{w.Name,-14} {Identity(w.LibraryType.Assembly),-40} {w.Description}");
            return 0;
        }
        if (args is ["--attributes", var libName])
        {
            var lib = Workloads.FirstOrDefault(w => w.Name == libName);
            if (lib is null) return Usage($"unknown library '{libName}'");
            foreach (var line in AttributeList.Lines(lib.LibraryType.Assembly)) Console.WriteLine(line);
            return 0;
        }
        if (args.Length is not (1 or 3) || args[0].StartsWith('-')) return Usage(args.Length == 0 ? "no library given" : $"unexpected arguments '{string.Join(' ', args)}'");
        var workload = Workloads.FirstOrDefault(w => w.Name == args[0]);
        if (workload is null) return Usage($"unknown library '{args[0]}'");
        double scale = 1, seconds = 0;
        if (args.Length == 3)
        {
            if (!double.TryParse(args[2], NumberStyles.Float, inv, out var v) || !(v > 0) || !double.IsFinite(v)) return Usage($"{args[1]} needs a positive number");
            if (args[1] == "--scale") scale = v;
            else if (args[1] == "--seconds") seconds = v;
            else return Usage($"unknown option '{args[1]}'");
        }

        var sw = Stopwatch.StartNew();
        workload.Setup?.Invoke();
        ulong checksum = Checksum.Seed;
        long iterations = 0;
        if (seconds > 0)
        {
            long end = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
            while (Stopwatch.GetTimestamp() < end) checksum = Checksum.Combine(checksum, workload.Iteration((int)(iterations++ % int.MaxValue)));
        }
        else
        {
            long n = Math.Max(1, (long)Math.Round(workload.IterationsAtScale1 * scale));
            for (; iterations < n; iterations++) checksum = Checksum.Combine(checksum, workload.Iteration((int)iterations));
        }
        sw.Stop();
        Console.WriteLine($"library: {workload.Name}");
        Console.WriteLine($"assembly: {Identity(workload.LibraryType.Assembly)}");
        Console.WriteLine($"checksum: {checksum:x16}");
        Console.WriteLine($"iterations: {iterations}");
        Console.WriteLine($"elapsed_ms: {sw.ElapsedMilliseconds}");
        return 0;
    }

    public static string Identity(Assembly a)
    {
        var n = a.GetName();
        var info = a.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (info is not null && info.IndexOf('+') is var plus and > 0) info = info[..plus];
        return $"{n.Name} {n.Version} ({info ?? "?"})";
    }

    private static int Usage(string error)
    {
        Console.Error.WriteLine($"error: {error}; usage: RealWorld <library> [--scale X | --seconds S]; libraries: {string.Join(", ", Workloads.Select(w => w.Name))}");
        return 2;
    }
}

/// <summary>Order-dependent 64-bit combining (as in samples/InlineSamples).</summary>
public static class Checksum
{
    public const ulong Seed = 0xCBF29CE484222325UL;

    public static ulong Combine(ulong acc, ulong value)
    {
        acc ^= value + 0x9E3779B97F4A7C15UL + (acc << 6) + (acc >> 2);
        return acc * 0x100000001B3UL;
    }

    public static ulong Of(ReadOnlySpan<byte> bytes)
    {
        ulong h = Seed;
        foreach (var b in bytes) h = (h ^ b) * 0x100000001B3UL;
        return h;
    }

    public static ulong Of(string s)
    {
        ulong h = Seed;
        foreach (var c in s) h = (h ^ c) * 0x100000001B3UL;
        return h;
    }
}

/// <summary>Fixed-seed generator for the inputs (System.Random's sequence is not a contract across versions).</summary>
public struct SplitMix64(ulong seed)
{
    private ulong _state = seed;

    public ulong Next()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public int Next(int maxExclusive) => (int)(Next() % (ulong)maxExclusive);

    public byte[] Bytes(int n)
    {
        var b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte)Next();
        return b;
    }

    private static readonly string[] Words =
    [
        "the", "inline", "budget", "caller", "callee", "method", "profile", "sample", "tier", "code", "size", "loop",
        "branch", "return", "value", "buffer", "stream", "record", "field", "parse", "format", "zone", "hash", "block",
    ];

    public string Word() => Words[Next(Words.Length)];

    /// <summary>Text-like bytes: words from a small vocabulary, so compressors find matches as in real text.</summary>
    public byte[] Text(int n)
    {
        var sb = new System.Text.StringBuilder(n + 16);
        while (sb.Length < n)
        {
            sb.Append(Word());
            sb.Append(Next(10) == 0 ? '\n' : ' ');
            if (Next(7) == 0) sb.Append(Next(100000));
        }
        return System.Text.Encoding.ASCII.GetBytes(sb.ToString(0, n));
    }
}

/// <summary>Methods of an assembly that carry MethodImplOptions.AggressiveInlining or NoInlining, from reflection.</summary>
public static class AttributeList
{
    public static IEnumerable<string> Lines(Assembly assembly)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        Type?[] types;
        try { types = assembly.GetTypes(); }
        catch (ReflectionTypeLoadException e) { types = e.Types; }
        var lines = new List<string>();
        foreach (var t in types)
        {
            if (t is null) continue;
            IEnumerable<MethodBase> methods;
            try { methods = t.GetMethods(all).Cast<MethodBase>().Concat(t.GetConstructors(all)); }
            catch (Exception) { continue; }
            foreach (var m in methods)
            {
                var flags = m.MethodImplementationFlags;
                string? what = (flags & MethodImplAttributes.AggressiveInlining) != 0 ? "AggressiveInlining"
                    : (flags & MethodImplAttributes.NoInlining) != 0 ? "NoInlining" : null;
                if (what is null) continue;
                int il = 0;
                try { il = m.GetMethodBody()?.GetILAsByteArray()?.Length ?? 0; } catch (Exception) { }
                lines.Add($"{what}\t{t.FullName}::{m.Name}\t{il}");
            }
        }
        lines.Sort(StringComparer.Ordinal);
        return lines;
    }
}
