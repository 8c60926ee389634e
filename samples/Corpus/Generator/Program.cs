// Entry point of the corpus generator: reads the options, builds the site list from the seed and writes the program.
using System.Reflection;
using System.Text;

namespace Corpus.Generator;

static class Program
{
    const string Usage = "usage: Generator --out DIR [--seed N] [--per-family N] [--families a,b,...]";

    static int Main(string[] args)
    {
        string? outDir = null;
        ulong seed = 1;
        int perFamily = 10;
        string[]? families = null;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new UsageException($"{args[i]} needs a value");
            try
            {
                switch (args[i])
                {
                    case "--out": outDir = Next(); break;
                    case "--seed": seed = ulong.Parse(Next()); break;
                    case "--per-family": perFamily = int.Parse(Next()); break;
                    case "--families": families = Next().Split(',', StringSplitOptions.RemoveEmptyEntries); break;
                    default: throw new UsageException($"unknown option {args[i]}");
                }
            }
            catch (Exception e) when (e is UsageException or FormatException or OverflowException)
            {
                Console.Error.WriteLine($"generator: {e.Message}\n{Usage}");
                return 2;
            }
        }
        if (outDir is null || perFamily < 1)
        {
            Console.Error.WriteLine($"generator: --out is required and --per-family must be at least 1\n{Usage}");
            return 2;
        }
        var unknown = families?.Where(f => !Families.Names.Contains(f)).ToArray() ?? [];
        if (unknown.Length > 0)
        {
            Console.Error.WriteLine($"generator: unknown famil{(unknown.Length == 1 ? "y" : "ies")} {string.Join(", ", unknown)} (known: {string.Join(", ", Families.Names)})");
            return 2;
        }

        var sites = Families.Build(seed, perFamily, families ?? Families.Names);
        Directory.CreateDirectory(outDir);
        Write(Path.Combine(outDir, "Corpus.csproj"), Emitter.Project());
        Write(Path.Combine(outDir, "Sites.g.cs"), Emitter.Sites(sites, seed, perFamily));
        using (var harness = Assembly.GetExecutingAssembly().GetManifestResourceStream("Harness.cs")!)
        using (var reader = new StreamReader(harness))
            Write(Path.Combine(outDir, "Harness.cs"), reader.ReadToEnd());
        Console.WriteLine($"generator: {sites.Count} sites × 4 copies (default, force, block, A/A control; {string.Join(", ", sites.GroupBy(s => s.Family).Select(g => $"{g.Key} {g.Count()}"))}), seed {seed} → {outDir}");
        return 0;
    }

    // Written whole then renamed: a build never sees half a file.
    static void Write(string path, string text)
    {
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, text, new UTF8Encoding(false));
        File.Move(tmp, path, overwrite: true);
    }
}

sealed class UsageException(string message) : Exception(message);
