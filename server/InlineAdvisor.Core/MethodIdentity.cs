// The stable identity of a method across builds and runs: never a metadata token alone.
namespace InlineAdvisor.Core;

/// <summary>
/// A method as the runtime's events name it. <see cref="Type"/> is the full type name the runtime
/// prints (namespace + nesting, e.g. "Samples.Hashing.Hasher"), <see cref="Signature"/> the runtime's
/// signature text (e.g. "unsigned int64  (unsigned int8[],unsigned int64)"), <see cref="Assembly"/> the
/// simple assembly name ("" when the events never said which module held it).
/// </summary>
public sealed record MethodIdentity(string Assembly, string Type, string Name, string Signature)
{
    /// <summary>"Type.Name", what a person reads.</summary>
    public string Display => $"{Type}.{Name}";

    /// <summary>The key used to join names across events, metadata and PDBs (assembly excluded,
    /// because inlining events carry no module).</summary>
    public string NameKey => $"{Type}::{Name}{Signature}";

    public override string ToString() => Assembly.Length == 0 ? $"{Display} {Signature}" : $"[{Assembly}] {Display} {Signature}";
}

/// <summary>The MethodImpl bits InlineAdvisor reads and writes (ECMA-335 II.23.1.11).</summary>
[Flags]
public enum MethodImplFlags : ushort
{
    None = 0,
    NoInlining = 0x0008,
    NoOptimization = 0x0040,
    AggressiveInlining = 0x0100,
    AggressiveOptimization = 0x0200,
}

public static class MethodImplFlagsText
{
    /// <summary>The inlining-relevant attribute a developer wrote, as source would say it.</summary>
    public static string Describe(MethodImplFlags flags) =>
        (flags & (MethodImplFlags.AggressiveInlining | MethodImplFlags.NoInlining)) switch
        {
            MethodImplFlags.AggressiveInlining => "AggressiveInlining",
            MethodImplFlags.NoInlining => "NoInlining",
            MethodImplFlags.AggressiveInlining | MethodImplFlags.NoInlining => "AggressiveInlining|NoInlining",
            _ => "",
        };
}
