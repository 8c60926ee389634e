// The families of call shapes and their parameter grids: each site is one driver (caller) and one callee, with its
// parameters drawn deterministically from the seed. The code text of a site is written by Emitter for each variant.
using System.Text;

namespace Corpus.Generator;

/// <summary>One generated call site. <see cref="Members"/> and <see cref="Types"/> write the code of ONE variant
/// (method-name suffix, callee MethodImpl attribute text): the three variants differ only in those two.</summary>
sealed class Site
{
    public required string Id { get; init; }          // "small-loop-03"
    public required string Family { get; init; }      // "small": the unit of leave-one-family-out CV
    public required string Stem { get; init; }        // "Small_Loop_03": method names are <Stem>_<Variant>
    public required SortedDictionary<string, object> Shape { get; init; }
    public required Func<string, string, string> Members { get; init; }   // members of static class Corpus.Sites
    public Func<string, string, string> Types { get; init; } = (_, _) => "";
    /// <summary>The callee's declaring type for a variant suffix (Corpus.Sites for static callees).</summary>
    public Func<string, string> CalleeType { get; init; } = _ => "Sites";
}

static class Families
{
    public static readonly string[] Names = ["small", "medium", "large", "eh", "generic", "virtual", "cold", "simd"];

    public static List<Site> Build(ulong seed, int perFamily, IEnumerable<string> families)
    {
        var sites = new List<Site>();
        foreach (var family in Names.Where(families.Contains))
        {
            // One stream per family, so adding a family or changing one's count leaves the others' sites unchanged.
            var rng = new SplitMix64(seed * 0x9E3779B97F4A7C15UL ^ Fnv(family));
            for (int i = 1; i <= perFamily; i++)
                sites.Add(family switch
                {
                    "small" or "medium" or "large" => Sized(family, i, rng),
                    "eh" => Eh(i, rng),
                    "generic" => Generic(i, rng),
                    "virtual" => Virtual(i, rng),
                    "cold" => Cold(i, rng),
                    "simd" => Simd(i, rng),
                    _ => throw new InvalidOperationException(family),
                });
        }
        return sites;
    }

    // ---- scalar callees: int f(int a, int b), with branches on b that a constant argument folds away when inlined ----

    static Site Sized(string family, int index, SplitMix64 rng)
    {
        // The grid cycles loop/once × const/var so every family covers all four; sizes and constants vary by seed.
        bool loop = (index - 1) % 2 == 0;
        bool constArg = (index - 1) / 2 % 2 == 0;
        int work = loop ? 0 : rng.Pick(4, 16);
        string tag = loop ? "Loop" : "Once";
        string stem = $"{Cap(family)}_{tag}_{index:00}";
        var shape = Shape(("call", loop ? "hot-loop" : "once-per-outer"), ("args", constArg ? "const" : "var"));
        if (!loop) shape["outerWork"] = work;
        string body;
        if (family == "small")
        {
            int kind = rng.Next(2);
            shape["body"] = kind == 0 ? "mul-add" : "select";
            body = kind == 0
                ? $"return (a ^ b) * {rng.Odd(3, 127)} + (a >> {rng.Range(1, 7)});"
                : $"return b == 0 ? a * {rng.Odd(3, 127)} + {rng.Range(1, 100)} : (a ^ {rng.Range(1, 100)}) - b;";
        }
        else
        {
            // Every third large callee is very large (~1000+ IL bytes): beyond what even a hot, profiled site inlines
            // by default, so forcing it has something to change.
            bool huge = family == "large" && index % 3 == 0;
            int perBranch = family == "medium" ? rng.Range(1, 2) : rng.Range(4, 7);
            int common = family == "medium" ? rng.Range(1, 4) : huge ? rng.Range(70, 100) : rng.Range(8, 16);
            shape["branchStatements"] = perBranch;
            shape["commonStatements"] = common;
            body = ModalBody(rng, perBranch, common);
        }
        int constValue = rng.Range(0, 2);
        if (constArg) shape["constValue"] = constValue;
        string arg = constArg ? constValue.ToString() : "d[(i + 17) & 4095] & 3";
        return ScalarSite(family, $"{family}-{tag.ToLowerInvariant()}-{index:00}", stem, shape, body, loop, work, arg);
    }

    static Site Eh(int index, SplitMix64 rng)
    {
        string[] kinds = ["trycatch", "tryfinally", "throw"];
        string kind = kinds[(index - 1) % 3];
        bool medium = (index - 1) / 3 % 2 == 1;
        bool constArg = rng.Next(2) == 0;
        string stem = $"Eh_{Cap(kind)}_{index:00}";
        var shape = Shape(("call", "hot-loop"), ("args", constArg ? "const" : "var"), ("eh", kind), ("body", medium ? "medium" : "small"));
        string inner = medium ? ModalStatements(rng, 1, rng.Range(2, 4)) : $"h = h * {rng.Odd(3, 127)} + b;";
        string body = kind switch
        {
            // The values stay far from overflow and the range check: the handlers exist, they never run.
            "trycatch" => $"int h = a; try {{ {inner} h = checked(h + {rng.Range(1, 100)}); }} catch (System.OverflowException) {{ h = -1; }} return h;",
            "tryfinally" => $"int h = a; try {{ {inner} }} finally {{ Data.Counter++; }} return h;",
            _ => $"if ((uint)a > 0x7FFFFFF0u) throw new System.ArgumentOutOfRangeException(nameof(a)); int h = a; {inner} return h;",
        };
        string arg = constArg ? "1" : "d[(i + 17) & 4095] & 3";
        return ScalarSite("eh", $"eh-{kind}-{index:00}", stem, shape, body, loop: true, work: 0, arg);
    }

    static Site Cold(int index, SplitMix64 rng)
    {
        // 1 in 4096 (a few hits per call), or 1 in 65536 (about never: the 4096 inputs rarely contain a 0): with the
        // 10^4–10^7 iterations per call of the warm-up and the rounds, only the second is cold in dynamic PGO's eyes.
        int mask = (index - 1) % 2 == 0 ? 4095 : 65535;
        bool large = (index - 1) / 2 % 2 == 1;
        string stem = $"Cold_{(large ? "Large" : "Medium")}_{index:00}";
        var shape = Shape(("call", "cold-branch"), ("args", "var"), ("takenOneIn", mask + 1), ("body", large ? "large" : "medium"));
        string body = large ? ModalBody(rng, rng.Range(4, 6), rng.Range(8, 12)) : ModalBody(rng, 1, rng.Range(2, 4));
        int k = rng.Odd(3, 99);
        return new Site
        {
            Id = $"cold-{(large ? "large" : "medium")}-{index:00}", Family = "cold", Stem = stem, Shape = shape,
            Members = (v, attr) => $$"""
                public static long {{stem}}_{{v}}(int n)
                {
                    int[] d = Data.Ints;
                    long acc = 0;
                    for (int i = 0; i < n; i++)
                    {
                        int x = d[i & 4095];
                        acc += x * {{k}} + (acc >> 3);
                        if ((x & {{mask}}) == 0) acc += Callee_{{stem}}_{{v}}(x, d[(i + 17) & 4095] & 3);
                    }
                    return acc;
                }

                {{attr}}
                public static int Callee_{{stem}}_{{v}}(int a, int b)
                {
                    {{body}}
                }

            """,
        };
    }

    static Site ScalarSite(string family, string id, string stem, SortedDictionary<string, object> shape, string body, bool loop, int work, string arg)
    {
        string call = loop
            ? $"acc += Callee_{stem}_{{V}}(d[i & 4095], {arg});"
            : $"int x = d[i & 4095]; for (int j = 0; j < {work}; j++) x = x * 1103515245 + j; acc += Callee_{stem}_{{V}}(x & 0xFFFF, {arg});";
        return new Site
        {
            Id = id, Family = family, Stem = stem, Shape = shape,
            Members = (v, attr) => $$"""
                public static long {{stem}}_{{v}}(int n)
                {
                    int[] d = Data.Ints;
                    long acc = 0;
                    for (int i = 0; i < n; i++) { {{call.Replace("{V}", v)}} }
                    return acc;
                }

                {{attr}}
                public static int Callee_{{stem}}_{{v}}(int a, int b)
                {
                    {{body}}
                }

            """,
        };
    }

    // ---- generic callees: value-type instantiations get their own code, reference types share __Canon code ----

    static Site Generic(int index, SplitMix64 rng)
    {
        (string Arg, string Array, string Probe, string Kind)[] insts =
        [
            ("int", "Data.Ints", "d[(i + 5) & 4095]", "int"),
            ("Pair", "Data.Pairs", "d[(i + 5) & 4095]", "struct"),
            ("string", "Data.Strings", "d[(i + 5) & 63]", "shared-string"),
            ("Node", "Data.Nodes", "d[(i + 5) & 63]", "shared-class"),
        ];
        var inst = insts[(index - 1) % insts.Length];
        bool medium = (index - 1) / insts.Length % 2 == 1;
        bool constArg = rng.Next(2) == 0;
        string stem = $"Generic_{Cap(inst.Kind.Replace("shared-", "Shared"))}_{index:00}";
        var shape = Shape(("call", "hot-loop"), ("args", constArg ? "const" : "var"), ("instantiation", inst.Kind), ("body", medium ? "medium" : "small"));
        string mask = inst.Kind.StartsWith("shared") ? "63" : "4095";
        string inner = medium ? ModalStatements(rng, 1, rng.Range(2, 4)) : $"h = h * {rng.Odd(3, 127)} + b;";
        string arg = constArg ? "1" : "Data.Ints[(i + 17) & 4095] & 3";
        int bonus = rng.Range(1, 100);
        return new Site
        {
            Id = $"generic-{inst.Kind}-{index:00}", Family = "generic", Stem = stem, Shape = shape,
            Members = (v, attr) => $$"""
                public static long {{stem}}_{{v}}(int n)
                {
                    {{inst.Arg}}[] d = {{inst.Array}};
                    long acc = 0;
                    for (int i = 0; i < n; i++) acc += Callee_{{stem}}_{{v}}<{{inst.Arg}}>(d, i & {{mask}}, {{inst.Probe}}, {{arg}});
                    return acc;
                }

                {{attr}}
                public static int Callee_{{stem}}_{{v}}<T>(T[] items, int a, T probe, int b) where T : System.IEquatable<T>
                {
                    int h = a;
                    if (items[a].Equals(probe)) h += {{bonus}};
                    {{inner}}
                    return h;
                }

            """,
        };
    }

    // ---- virtual and interface callees: sealed (devirtualized), one type behind an interface (guarded), two types ----

    static Site Virtual(int index, SplitMix64 rng)
    {
        string[] dispatches = ["sealed", "iface-mono", "iface-poly", "iface-skew"];
        string dispatch = dispatches[(index - 1) % dispatches.Length];
        bool medium = (index - 1) / dispatches.Length % 2 == 1;
        bool constArg = rng.Next(2) == 0;
        string stem = $"Virt_{Cap(dispatch.Replace("iface-", "Iface"))}_{index:00}";
        var shape = Shape(("call", "hot-loop"), ("args", constArg ? "const" : "var"), ("dispatch", dispatch), ("body", medium ? "medium" : "small"));
        string innerA = medium ? ModalStatements(rng, 1, rng.Range(2, 4)) : $"h = h * {rng.Odd(3, 127)} + b;";
        string innerB = medium ? ModalStatements(rng, 1, rng.Range(2, 4)) : $"h = h * {rng.Odd(3, 127)} - b;";
        string arg = constArg ? "1" : "d[(i + 17) & 4095] & 3";
        // Which implementation sits in slot k of the 64-object array: all A, alternating, or one B in 8.
        string pattern = dispatch switch { "iface-poly" => "k % 2 == 0", "iface-skew" => "k % 8 != 0", _ => "true" };
        string receiverType = dispatch == "sealed" ? $"{stem}_{{V}}_A" : $"I{stem}_{{V}}";
        return new Site
        {
            Id = $"virtual-{dispatch}-{index:00}", Family = "virtual", Stem = stem, Shape = shape,
            CalleeType = v => $"{stem}_{v}_A",
            Members = (v, attr) => $$"""
                static readonly {{receiverType.Replace("{V}", v)}}[] s_{{stem}}_{{v}} = Make_{{stem}}_{{v}}();
                static {{receiverType.Replace("{V}", v)}}[] Make_{{stem}}_{{v}}()
                {
                    var items = new {{receiverType.Replace("{V}", v)}}[64];
                    for (int k = 0; k < items.Length; k++) items[k] = {{(dispatch == "sealed" ? $"new {stem}_{v}_A()" : $"{pattern} ? new {stem}_{v}_A() : new {stem}_{v}_B()")}};
                    return items;
                }

                public static long {{stem}}_{{v}}(int n)
                {
                    int[] d = Data.Ints;
                    var objs = s_{{stem}}_{{v}};
                    long acc = 0;
                    for (int i = 0; i < n; i++) acc += objs[i & 63].Callee_{{stem}}_{{v}}(d[i & 4095], {{arg}});
                    return acc;
                }

            """,
            Types = (v, attr) => $$"""
            public interface I{{stem}}_{{v}} { int Callee_{{stem}}_{{v}}(int a, int b); }

            public sealed class {{stem}}_{{v}}_A : I{{stem}}_{{v}}
            {
                {{attr}}
                public int Callee_{{stem}}_{{v}}(int a, int b) { int h = a; {{innerA}} return h; }
            }

            public sealed class {{stem}}_{{v}}_B : I{{stem}}_{{v}}
            {
                {{attr}}
                public int Callee_{{stem}}_{{v}}(int a, int b) { int h = a; {{innerB}} return h; }
            }

            """,
        };
    }

    // ---- SIMD: vector arguments and results, which cost a spill through memory when the call is not inlined ----

    static Site Simd(int index, SplitMix64 rng)
    {
        int width = (index - 1) % 2 == 0 ? 128 : 256;
        bool medium = (index - 1) / 2 % 2 == 1;
        bool constArg = rng.Next(2) == 0;
        int lanes = width / 32;
        string vt = $"Vector{width}<float>";
        string vs = $"Vector{width}";
        string stem = $"Simd_V{width}_{index:00}";
        var shape = Shape(("call", "hot-loop"), ("args", constArg ? "const" : "var"), ("width", width), ("body", medium ? "medium" : "small"));
        float c1 = rng.Range(1, 9) / 8f, c2 = rng.Range(1, 9) / 16f;
        string small = $"var t = a * b + {vs}.Create({c1}f);";
        string modal = medium
            ? $$"""
              var t = a * b + {{vs}}.Create({{c1}}f);
                      if (mode == 0) t = {{vs}}.Sqrt({{vs}}.Abs(t)) - b;
                      else if (mode == 1) t = t * {{vs}}.Create({{c2}}f) + a * a;
                      else t = {{vs}}.ConditionalSelect({{vs}}.GreaterThan(t, b), t - a, b * {{vs}}.Create({{c2}}f));
              """
            : small + (" if (mode == 0) t = t - b;");
        string arg = constArg ? "1" : "Data.Ints[i & 4095] & 3";
        return new Site
        {
            Id = $"simd-v{width}-{index:00}", Family = "simd", Stem = stem, Shape = shape,
            Members = (v, attr) => $$"""
                public static long {{stem}}_{{v}}(int n)
                {
                    float[] f = Data.Floats;
                    var acc = {{vt}}.Zero;
                    for (int i = 0; i < n; i++) acc = Callee_{{stem}}_{{v}}(acc, {{vs}}.Create(f, (i & 511) * {{lanes}}), {{arg}});
                    return System.BitConverter.SingleToInt32Bits({{vs}}.Sum(acc));
                }

                {{attr}}
                public static {{vt}} Callee_{{stem}}_{{v}}({{vt}} a, {{vt}} b, int mode)
                {
                    {{modal}}
                    // Clamped, so values never reach infinities or denormals (either would change the speed, not the call).
                    return {{vs}}.Max({{vs}}.Min(t, {{vs}}.Create(4f)), {{vs}}.Create(-4f));
                }

            """,
        };
    }

    // ---- body text ----

    /// <summary>A callee body on (a, b): three branches on b, then common statements. With a constant b at an inlined
    /// site the JIT keeps one branch; called, the callee runs them all.</summary>
    static string ModalBody(SplitMix64 rng, int perBranch, int common) => $"int h = a; {ModalStatements(rng, perBranch, common)} return h;";

    static string ModalStatements(SplitMix64 rng, int perBranch, int common)
    {
        var sb = new StringBuilder();
        sb.Append($"if (b == 0) {{ {Statements(rng, perBranch)} }} else if (b == 1) {{ {Statements(rng, perBranch)} }} else {{ {Statements(rng, perBranch)} }} ");
        sb.Append(Statements(rng, common));
        return sb.ToString();
    }

    static string Statements(SplitMix64 rng, int count)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < count; i++)
        {
            sb.Append(rng.Next(5) switch
            {
                0 => $"h = h * {rng.Odd(3, 1001)} + a; ",
                1 => $"h ^= h >> {rng.Range(1, 15)}; ",
                2 => $"h += (a ^ {rng.Range(1, 100000)}) & {rng.Range(1, 4096)}; ",
                3 => $"h = (h << {rng.Range(1, 9)}) | (int)((uint)h >> {rng.Range(23, 31)}); ",
                _ => $"if ((h & {rng.Range(1, 255)}) == {rng.Range(0, 64)}) h += b; else h -= {rng.Range(1, 1000)}; ",
            });
        }
        return sb.ToString();
    }

    static SortedDictionary<string, object> Shape(params (string Key, object Value)[] items)
    {
        var d = new SortedDictionary<string, object>(StringComparer.Ordinal);
        foreach (var (k, v) in items) d[k] = v;
        return d;
    }

    static string Cap(string s) => char.ToUpperInvariant(s[0]) + s[1..];

    static ulong Fnv(string s)
    {
        ulong h = 14695981039346656037UL;
        foreach (char c in s) h = (h ^ c) * 1099511628211UL;
        return h;
    }
}

/// <summary>SplitMix64: deterministic across .NET versions (System.Random's seeded output is not a contract).</summary>
sealed class SplitMix64(ulong state)
{
    public ulong NextU64()
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
    public int Next(int bound) => (int)(NextU64() % (ulong)bound);
    public int Range(int lo, int hi) => lo + Next(hi - lo + 1);
    public int Odd(int lo, int hi) => Range(lo, hi) | 1;
    public int Pick(params int[] options) => options[Next(options.Length)];
}
