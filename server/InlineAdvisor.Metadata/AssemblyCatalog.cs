// Opens and caches managed assemblies by path, resolves references (following type forwarders) and tells shared-framework files apart.
using System.Reflection.Metadata;
using System.Runtime.InteropServices;
using System.Reflection.PortableExecutable;

namespace InlineAdvisor.Metadata;

/// <summary>
/// A cache of opened assemblies. <see cref="Open"/> never throws: it returns null for a missing,
/// native, truncated or otherwise unreadable file (and for a module without an assembly manifest).
/// Thread-safe. Disposing it disposes every assembly it opened.
/// </summary>
public sealed class AssemblyCatalog : IDisposable
{
    static readonly StringComparer PathComparer =
        RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

    readonly Dictionary<string, ManagedAssembly?> _byPath = new(PathComparer);
    readonly object _gate = new();
    bool _disposed;

    /// <param name="dotnetRoot">The dotnet installation whose shared/ folder holds the framework;
    /// default: DOTNET_ROOT when set, else the installation running this process.</param>
    public AssemblyCatalog(string? dotnetRoot = null)
    {
        DotnetRoot = dotnetRoot is null ? FindDotnetRoot() : Path.GetFullPath(dotnetRoot);
    }

    /// <summary>The dotnet root ("/usr/share/dotnet"), or null when unknown.</summary>
    public string? DotnetRoot { get; }

    /// <summary>The installation of the running runtime: &lt;root&gt;/shared/Microsoft.NETCore.App/&lt;version&gt;/ → &lt;root&gt;.</summary>
    public static string? FindDotnetRoot()
    {
        var env = Environment.GetEnvironmentVariable("DOTNET_ROOT");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(Path.Combine(env, "shared"))) return Path.GetFullPath(env);
        var runtimeDir = Path.GetDirectoryName(typeof(object).Assembly.Location);
        var root = runtimeDir is null ? null : Directory.GetParent(runtimeDir)?.Parent?.Parent?.FullName;
        return root is not null && Directory.Exists(Path.Combine(root, "shared")) ? root : null;
    }

    /// <summary>True when <paramref name="path"/> lies under the dotnet root's shared/ folder.</summary>
    public bool IsSharedFramework(string path)
    {
        if (DotnetRoot is null || string.IsNullOrEmpty(path)) return false;
        var shared = Path.Combine(DotnetRoot, "shared") + Path.DirectorySeparatorChar;
        try
        {
            return Path.GetFullPath(path).StartsWith(shared, PathComparer == StringComparer.Ordinal ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return false;
        }
    }

    /// <summary>The assembly at <paramref name="path"/>, opened once and cached; null when the file is
    /// not a complete managed assembly.</summary>
    public ManagedAssembly? Open(string path)
    {
        string full;
        try { full = Path.GetFullPath(path); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException) { return null; }
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_byPath.TryGetValue(full, out var cached)) return cached;
            var opened = TryOpen(full);
            _byPath[full] = opened;
            return opened;
        }
    }

    ManagedAssembly? TryOpen(string full)
    {
        PEReader? pe = null;
        try
        {
            if (!File.Exists(full)) return null;
            var bytes = File.ReadAllBytes(full); // no handle stays open: builds may overwrite the file
            pe = new PEReader(ImmutableCollectionsMarshal.AsImmutableArray(bytes));
            var headers = pe.PEHeaders; // throws BadImageFormatException for non-PE files
            foreach (var section in headers.SectionHeaders)
                if ((long)section.PointerToRawData + section.SizeOfRawData > bytes.Length) { pe.Dispose(); return null; } // truncated
            if (!pe.HasMetadata) { pe.Dispose(); return null; } // native
            var md = pe.GetMetadataReader();
            if (!md.IsAssembly) { pe.Dispose(); return null; }
            return new ManagedAssembly(full, pe, md, this);
        }
        catch (Exception e) when (e is BadImageFormatException or IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException)
        {
            pe?.Dispose();
            return null;
        }
    }

    /// <summary>
    /// Finds the assembly named <paramref name="simpleName"/> as seen from <paramref name="from"/>:
    /// its own directory first, then the highest version of each shared framework (Microsoft.NETCore.App first).
    /// </summary>
    public ManagedAssembly? Resolve(ManagedAssembly from, string simpleName)
    {
        var dir = Path.GetDirectoryName(from.Path);
        if (dir is not null)
        {
            var local = Open(Path.Combine(dir, simpleName + ".dll"));
            if (local is not null) return local;
        }
        foreach (var frameworkDir in FrameworkDirectories())
        {
            var candidate = Path.Combine(frameworkDir, simpleName + ".dll");
            if (File.Exists(candidate)) return Open(candidate);
        }
        return null;
    }

    List<string>? _frameworkDirs;

    IEnumerable<string> FrameworkDirectories()
    {
        lock (_gate)
        {
            if (_frameworkDirs is not null) return _frameworkDirs;
            _frameworkDirs = [];
            var shared = DotnetRoot is null ? null : Path.Combine(DotnetRoot, "shared");
            if (shared is null || !Directory.Exists(shared)) return _frameworkDirs;
            var frameworks = Directory.GetDirectories(shared)
                .OrderBy(d => Path.GetFileName(d) == "Microsoft.NETCore.App" ? 0 : 1).ThenBy(d => d, StringComparer.Ordinal);
            foreach (var fw in frameworks)
            {
                var newest = Directory.GetDirectories(fw)
                    .Select(d => (Dir: d, Version: Version.TryParse(Path.GetFileName(d).Split('-')[0], out var v) ? v : null))
                    .Where(x => x.Version is not null)
                    .OrderByDescending(x => x.Version)
                    .FirstOrDefault();
                if (newest.Dir is not null) _frameworkDirs.Add(newest.Dir);
            }
            return _frameworkDirs;
        }
    }

    /// <summary>
    /// The assembly that defines the type <paramref name="typeName"/> (runtime format, "Ns.Outer+Inner")
    /// referenced from <paramref name="from"/> through the assembly reference named
    /// <paramref name="assemblyName"/>, following type forwarders (System.Runtime → System.Private.CoreLib).
    /// </summary>
    public ManagedAssembly? ResolveTypeOwner(ManagedAssembly from, string assemblyName, string typeName)
    {
        var current = Resolve(from, assemblyName);
        for (int hop = 0; hop < 8 && current is not null; hop++)
        {
            if (current.HasType(typeName)) return current;
            var next = current.ForwardedTo(typeName);
            if (next is null) return null;
            current = Resolve(current, next);
        }
        return null;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            foreach (var a in _byPath.Values) a?.Release();
            _byPath.Clear();
        }
    }
}
