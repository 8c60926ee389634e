// Changes MethodImpl inlining flags of methods in a COPY of a built application, in place, and proves it.
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using InlineAdvisor.Core;
using InlineAdvisor.Metadata;

namespace InlineAdvisor.Patching;

public sealed record FlagChange(MethodIdentity Method, InlineAction Action);

public sealed record PatchedMethod(MethodIdentity Method, string AssemblyPath, int Token, MethodImplFlags Before, MethodImplFlags After, IReadOnlyList<string> Notes);

/// <summary>A change that cannot be made; the message says why, for the user.</summary>
public sealed class PatchException(string message) : Exception(message);

public static class FlagPatcher
{

    public static MethodImplFlags Apply(MethodImplFlags flags, InlineAction action) =>
        action == InlineAction.Leave ? throw new ArgumentException("leave is not an edit", nameof(action)) : action.ApplyTo(flags);

    /// <summary>
    /// Patches every change into the assemblies under <paramref name="appCopy"/>, which must be a copy the
    /// caller owns (this writes in place). The MethodDef row's ImplFlags word is rewritten; MVID and PDB
    /// identity stay, so PDB lines still match. Afterwards every file is re-read: the flags must be as
    /// asked and no other byte may differ. Throws <see cref="PatchException"/> before writing anything
    /// when a method is missing, ambiguous or has no IL body.
    /// </summary>
    public static IReadOnlyList<PatchedMethod> Patch(string appCopy, IReadOnlyList<FlagChange> changes)
    {
        var planned = new List<(PatchedMethod Patch, long Offset)>();
        using (var catalog = new AssemblyCatalog())
        {
            foreach (var change in changes)
                planned.Add(Plan(FindAssembly(catalog, appCopy, change.Method), change));
        }
        foreach (var file in planned.GroupBy(p => p.Patch.AssemblyPath))
            Write(file.Key, file.ToList());
        return planned.Select(p => p.Patch).ToList();
    }

    /// <summary>
    /// Patches every change into the ONE assembly file <paramref name="assemblyPath"/>, in place: a file the
    /// caller owns (a copy, or a temp file beside the original that the caller renames over it afterwards).
    /// The same look-ups, refusals (before writing) and verification as <see cref="Patch"/>; the methods'
    /// assembly names are not used to find the file.
    /// </summary>
    public static IReadOnlyList<PatchedMethod> PatchFile(string assemblyPath, IReadOnlyList<FlagChange> changes)
    {
        var planned = new List<(PatchedMethod Patch, long Offset)>();
        using (var catalog = new AssemblyCatalog())
        {
            var assembly = catalog.Open(assemblyPath) ?? throw new PatchException($"{assemblyPath} is not a readable managed assembly");
            foreach (var change in changes) planned.Add(Plan(assembly, change));
        }
        if (planned.Count > 0) Write(planned[0].Patch.AssemblyPath, planned);
        return planned.Select(p => p.Patch).ToList();
    }

    /// <summary>Finds the method and the file offset of its flags; throws <see cref="PatchException"/> when it cannot be changed.</summary>
    private static (PatchedMethod Patch, long Offset) Plan(ManagedAssembly assembly, FlagChange change)
    {
        var match = assembly.FindMethod(change.Method);
        if (match is null) throw new PatchException($"{change.Method.Display} {change.Method.Signature} is not in {assembly.Path} (was the program rebuilt since it was profiled?)");
        if (match.IsAmbiguous) throw new PatchException($"{change.Method.Display} {change.Method.Signature} names {match.Candidates.Count} methods in {assembly.Path}; cannot tell which to change");
        var method = match.Method!;
        if (method.IlSize < 0) throw new PatchException($"{change.Method.Display} has no IL body (abstract, extern or runtime-provided): its inlining flags mean nothing");
        var notes = new List<string>();
        PEHeaders headers;
        using (var stream = File.OpenRead(assembly.Path)) headers = new PEHeaders(stream);
        if (headers.CorHeader is { } cor)
        {
            if ((cor.Flags & CorFlags.StrongNameSigned) != 0)
                notes.Add("strong-name signed: the signature no longer matches the patched bytes; .NET (Core) does not check it, .NET Framework would refuse to load the assembly");
            if (cor.ManagedNativeHeaderDirectory.Size > 0)
            {
                // Without tiering, precompiled code is final: the patched flags would never be read.
                if (Environment.GetEnvironmentVariable("DOTNET_TieredCompilation") == "0" && Environment.GetEnvironmentVariable("DOTNET_ReadyToRun") != "0")
                    throw new PatchException($"{Path.GetFileName(assembly.Path)} is a ReadyToRun image and DOTNET_TieredCompilation=0: its precompiled code is never re-jitted, so changed flags cannot take effect (set DOTNET_ReadyToRun=0 to measure jitted code)");
                notes.Add("ReadyToRun image: its precompiled code keeps the old decisions until a method is re-jitted at Tier1 (hot methods are)");
            }
        }
        var after = Apply(method.ImplFlags, change.Action);
        return (new PatchedMethod(change.Method with { Assembly = assembly.Name }, assembly.Path, method.Token, method.ImplFlags, after, notes),
            ImplFlagsOffset(assembly.Reader, headers, method.Token));
    }

    /// <summary>Writes the planned flags into the file and proves that only they changed.</summary>
    private static void Write(string path, IReadOnlyList<(PatchedMethod Patch, long Offset)> file)
    {
        var before = File.ReadAllBytes(path);
        var bytes = (byte[])before.Clone();
        foreach (var (patch, offset) in file)
        {
            if (BitConverter.ToUInt16(bytes, (int)offset) != (ushort)patch.Before)
                throw new PatchException($"{path}: the flags of {patch.Method.Display} are not where the metadata tables say; refusing to write");
            BitConverter.TryWriteBytes(bytes.AsSpan((int)offset, 2), (ushort)patch.After);
        }
        File.WriteAllBytes(path, bytes);
        Verify(path, before, file);
    }

    /// <summary>The assembly in the copy that defines the method: by name first, else any that has the type.</summary>
    private static ManagedAssembly FindAssembly(AssemblyCatalog catalog, string appCopy, MethodIdentity method)
    {
        var named = Path.Combine(appCopy, method.Assembly + ".dll");
        if (method.Assembly.Length > 0 && catalog.Open(named) is { } byName) return byName;
        var withType = Directory.EnumerateFiles(appCopy, "*.dll", SearchOption.AllDirectories)
            .Select(catalog.Open).OfType<ManagedAssembly>().Where(a => a.HasType(method.Type)).ToList();
        return withType.Count switch
        {
            1 => withType[0],
            0 => throw new PatchException($"no assembly in {appCopy} defines {method.Type}" +
                 (method.Assembly.Length > 0 ? $" (expected {method.Assembly}.dll; framework methods cannot be patched in an app folder)" : "")),
            _ => throw new PatchException($"{method.Type} is defined in several assemblies under {appCopy}: {string.Join(", ", withType.Select(a => Path.GetFileName(a.Path)))}"),
        };
    }

    /// <summary>File offset of a MethodDef row's ImplFlags: the u16 right after the row's 4-byte RVA (ECMA-335 II.22.26).</summary>
    private static long ImplFlagsOffset(MetadataReader reader, PEHeaders headers, int token)
    {
        int row = token & 0xFFFFFF;
        return headers.MetadataStartOffset + reader.GetTableMetadataOffset(TableIndex.MethodDef)
            + (long)(row - 1) * reader.GetTableRowSize(TableIndex.MethodDef) + 4;
    }

    private static void Verify(string path, byte[] before, IReadOnlyList<(PatchedMethod Patch, long Offset)> patches)
    {
        var after = File.ReadAllBytes(path);
        var allowed = patches.SelectMany(p => new[] { p.Offset, p.Offset + 1 }).ToHashSet();
        if (after.Length != before.Length || Enumerable.Range(0, after.Length).Any(i => after[i] != before[i] && !allowed.Contains(i)))
            throw new PatchException($"{path}: bytes other than the flags changed; the copy is unusable");
        using var pe = new PEReader(new MemoryStream(after));
        var reader = pe.GetMetadataReader();
        foreach (var (patch, _) in patches)
        {
            var flags = (MethodImplFlags)(ushort)reader.GetMethodDefinition(MetadataTokens.MethodDefinitionHandle(patch.Token & 0xFFFFFF)).ImplAttributes;
            if (flags != patch.After)
                throw new PatchException($"{path}: {patch.Method.Display} reads {flags} after patching, not {patch.After}");
        }
    }
}
