// Checks that the catalog opens, caches and classifies files, and answers null (never an exception) for anything that is not a complete managed assembly.
using InlineAdvisor.Metadata;
using Xunit;
using static InlineAdvisor.Tests.Metadata.MetadataTestSupport;

namespace InlineAdvisor.Tests.Metadata;

public sealed class AssemblyCatalogTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("ia-metadata-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void ReturnsNullForFilesThatAreNotManagedAssemblies()
    {
        using var catalog = new AssemblyCatalog();
        var managed = File.ReadAllBytes(typeof(AssemblyCatalogTests).Assembly.Location);
        Assert.Null(catalog.Open(Path.Combine(_dir, "missing.dll")));
        Assert.Null(catalog.Open(Write("empty.dll", [])));
        Assert.Null(catalog.Open(Write("text.dll", "hello, not a PE file"u8.ToArray())));
        Assert.Null(catalog.Open(Write("mz-only.dll", [0x4D, 0x5A, 0, 0, 0, 0])));
        Assert.Null(catalog.Open(Write("half.dll", managed[..(managed.Length / 2)])));
        Assert.Null(catalog.Open(Write("headers-only.dll", managed[..1024])));
        Assert.Null(catalog.Open(Write("minus-one-byte.dll", managed[..^1])));
        Assert.Null(catalog.Open(_dir)); // a directory
        Assert.Null(catalog.Open(""));
    }

    [Fact]
    public void ReturnsNullForNativeImages()
    {
        using var catalog = new AssemblyCatalog();
        var runtimeDir = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var native = Directory.GetFiles(runtimeDir, "*coreclr.*").First(f => !f.EndsWith(".dbg"));
        Assert.Null(catalog.Open(native)); // ELF / Mach-O / native DLL

        // A PE image without a CLI header: the test assembly with data directory 14 zeroed.
        var bytes = File.ReadAllBytes(typeof(AssemblyCatalogTests).Assembly.Location);
        using (var pe = new System.Reflection.PortableExecutable.PEReader(new MemoryStream(bytes)))
        {
            var h = pe.PEHeaders;
            int directories = h.PEHeaderStartOffset + (h.PEHeader!.Magic == System.Reflection.PortableExecutable.PEMagic.PE32Plus ? 112 : 96);
            Array.Clear(bytes, directories + 14 * 8, 8);
        }
        Assert.Null(catalog.Open(Write("no-cli-header.dll", bytes)));
    }

    [Fact]
    public void CachesByFullPathAndSharesInstances()
    {
        using var catalog = new AssemblyCatalog();
        var path = typeof(AssemblyCatalogTests).Assembly.Location;
        var a = catalog.Open(path);
        var b = catalog.Open(Path.Combine(Path.GetDirectoryName(path)!, ".", Path.GetFileName(path)));
        Assert.NotNull(a);
        Assert.Same(a, b);
    }

    [Fact]
    public void KnowsTheSharedFramework()
    {
        using var catalog = new AssemblyCatalog();
        Assert.NotNull(catalog.DotnetRoot);
        Assert.True(catalog.IsSharedFramework(typeof(object).Assembly.Location));
        Assert.False(catalog.IsSharedFramework(typeof(AssemblyCatalogTests).Assembly.Location));
        Assert.False(catalog.IsSharedFramework(Path.Combine(catalog.DotnetRoot!, "sdk", "x.dll")));
        Assert.False(catalog.IsSharedFramework(Path.Combine(catalog.DotnetRoot!, "sharedx", "x.dll")));
        var corelib = catalog.Open(typeof(object).Assembly.Location)!;
        Assert.True(corelib.IsSharedFramework);
        Assert.Equal("System.Private.CoreLib", corelib.Name);

        using var elsewhere = new AssemblyCatalog(_dir);
        Assert.False(elsewhere.IsSharedFramework(typeof(object).Assembly.Location));
    }

    [Fact]
    public void FollowsTypeForwardersToTheDefiningAssembly()
    {
        var owner = Catalog.ResolveTypeOwner(Self, "System.Runtime", "System.String");
        Assert.Equal("System.Private.CoreLib", owner?.Name);
        var nested = Catalog.ResolveTypeOwner(Self, "System.Collections", "System.Collections.Generic.Dictionary`2+Enumerator");
        Assert.Equal("System.Private.CoreLib", nested?.Name);
        Assert.Null(Catalog.ResolveTypeOwner(Self, "System.Runtime", "No.Such.Type"));
        Assert.Null(Catalog.ResolveTypeOwner(Self, "No.Such.Assembly", "System.String"));
    }

    [Fact]
    public void DisposedCatalogRefusesWork()
    {
        var catalog = new AssemblyCatalog();
        catalog.Dispose();
        catalog.Dispose(); // idempotent
        Assert.Throws<ObjectDisposedException>(() => catalog.Open(typeof(object).Assembly.Location));
    }
}
