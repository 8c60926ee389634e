// Shared helpers for the metadata tests: the test assembly opened once, reflection handles on fixture methods, source markers.
using System.Reflection;
using InlineAdvisor.Metadata;

namespace InlineAdvisor.Tests.Metadata;

internal static class MetadataTestSupport
{
    /// <summary>One catalog for the whole run (assemblies are immutable while tests run).</summary>
    public static readonly AssemblyCatalog Catalog = new();

    public static ManagedAssembly Self =>
        Catalog.Open(typeof(MetadataTestSupport).Assembly.Location) ?? throw new InvalidOperationException("test assembly did not open");

    public static MethodInfo Method(Type type, string name) =>
        type.GetMethod(name, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly)
        ?? throw new InvalidOperationException($"{type}.{name} not found");

    public static bool IsOptimized =>
        typeof(MetadataTestSupport).Assembly.GetCustomAttribute<System.Diagnostics.DebuggableAttribute>()?.IsJITOptimizerDisabled != true;

    /// <summary>The 1-based line of the source line containing <paramref name="marker"/>.</summary>
    public static int LineOf(string file, string marker)
    {
        var lines = File.ReadAllLines(file);
        for (int i = 0; i < lines.Length; i++)
            if (lines[i].Contains(marker)) return i + 1;
        throw new InvalidOperationException($"{marker} not in {file}");
    }
}

/// <summary>Methods that only the metadata tests read (never run).</summary>
internal static class LookupFixtures
{
    // Two overloads the runtime's strings cannot tell apart: both print "generic int32  (!!0)".
    public static int Amb<T>(T t) => 1;
    public static int Amb<T, U>(T t) => 2;

    public abstract class Base { public abstract int Abstract(); }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining | System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static int Both(int x) => x;
}
