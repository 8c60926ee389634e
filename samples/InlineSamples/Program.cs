// Command line: `InlineSamples <case> [--scale X]`. Prints case, checksum, elapsed_ms and throughput lines.
// Bad arguments: one line on stderr naming the cases, exit code 2.
using System.Diagnostics;
using System.Globalization;

namespace InlineSamples;

public static class Program
{
    /// <summary>Every case: name, one-line description, entry point (scale → result).</summary>
    public static readonly (string Name, string Description, Func<double, CaseResult> Execute)[] Cases =
    [
        (MixerCase.Name, MixerCase.Description, MixerCase.Execute),
        (MediumCase.Name, MediumCase.Description, MediumCase.Execute),
        (ThrowHelperCase.Name, ThrowHelperCase.Description, ThrowHelperCase.Execute),
        (FastSlowCase.Name, FastSlowCase.Description, FastSlowCase.Execute),
        (GenericCase.Name, GenericCase.Description, GenericCase.Execute),
        (InterfaceCase.Name, InterfaceCase.Description, InterfaceCase.Execute),
        (ThreadsCase.Name, ThreadsCase.Description, ThreadsCase.Execute),
        (PipelineCase.Name, PipelineCase.Description, PipelineCase.Execute),
    ];

    public static int Main(string[] args)
    {
        if (args.Length == 1 && args[0] is "--help" or "-h")
        {
            Console.WriteLine("usage: InlineSamples <case> [--scale X]   (X > 0, default 1.0, multiplies the work)");
            Console.WriteLine("cases:");
            foreach (var c in Cases) Console.WriteLine($"  {c.Name,-12} {c.Description}");
            return 0;
        }

        if (!TryParse(args, out var name, out var scale, out var error))
        {
            Console.Error.WriteLine($"error: {error}; usage: InlineSamples <case> [--scale X]; cases: {string.Join(", ", Cases.Select(c => c.Name))}");
            return 2;
        }

        var entry = Cases.First(c => c.Name == name);
        var sw = Stopwatch.StartNew();
        var result = entry.Execute(scale);
        sw.Stop();
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine($"case: {result.Name}");
        Console.WriteLine($"checksum: {result.Checksum:x16}");
        Console.WriteLine($"elapsed_ms: {sw.ElapsedMilliseconds}");
        Console.WriteLine(string.Create(inv, $"throughput: {result.Throughput:0.##} {result.Unit}/s"));
        return 0;
    }

    private static bool TryParse(string[] args, out string name, out double scale, out string error)
    {
        name = ""; scale = 1.0; error = "";
        var rest = new List<string>(args);
        int at = rest.IndexOf("--scale");
        if (at >= 0)
        {
            if (at + 1 >= rest.Count || !double.TryParse(rest[at + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out scale)
                || !(scale > 0) || !double.IsFinite(scale))
            {
                error = "--scale needs a positive number";
                return false;
            }
            rest.RemoveRange(at, 2);
        }
        if (rest.Count != 1 || rest[0].StartsWith('-'))
        {
            error = rest.Count == 0 ? "no case given" : $"unexpected arguments '{string.Join(' ', rest)}'";
            return false;
        }
        string given = rest[0];
        name = given;
        if (!Cases.Any(c => c.Name == given))
        {
            error = $"unknown case '{given}'";
            return false;
        }
        return true;
    }
}
