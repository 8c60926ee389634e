// Answers analysis's questions about code from the program's own assemblies and PDBs (InlineAdvisor.Metadata).
using InlineAdvisor.Core;
using InlineAdvisor.Metadata;

namespace InlineAdvisor.Tracing;

internal sealed class AssemblyMetadata : ICodeMetadata, IDisposable
{
    private readonly AssemblyCatalog _catalog = new();
    private readonly Dictionary<string, (string, int)?> _found = [];

    public (string Name, bool IsFramework) AssemblyOf(string modulePath) =>
        _catalog.Open(modulePath) is { } a ? (a.Name, a.IsSharedFramework) : (Path.GetFileNameWithoutExtension(modulePath), _catalog.IsSharedFramework(modulePath));

    public (int IlSize, MethodImplFlags Flags)? Describe(string modulePath, int token) =>
        _catalog.Open(modulePath)?.GetMethod(token) is { } m ? (m.IlSize, m.ImplFlags) : null;

    public (string ModulePath, int Token)? Find(IEnumerable<string> modulePaths, string type, string name, string signature)
    {
        var key = $"{type}::{name}{signature}";
        if (_found.TryGetValue(key, out var cached)) return cached;
        // Inlining events name no module: search the loaded ones, the program's own before the framework's;
        // a name found in several (framework helpers such as SR are copied into many) stays unresolved.
        var hits = modulePaths.Select(_catalog.Open).OfType<ManagedAssembly>()
            .Select(a => (Assembly: a, Match: a.FindMethod(type, name, signature)))
            .Where(x => x.Match is { IsAmbiguous: false, Method: not null })
            .OrderBy(x => x.Assembly.IsSharedFramework).Take(2).ToList();
        (string, int)? result = hits.Count == 1 || (hits.Count == 2 && hits[0].Assembly.IsSharedFramework != hits[1].Assembly.IsSharedFramework)
            ? (hits[0].Assembly.Path, hits[0].Match!.Method!.Token) : null;
        return _found[key] = result;
    }

    public IReadOnlyList<(int IlOffset, string Type, string Name, string Signature)> CallSites(string modulePath, int token) =>
        _catalog.Open(modulePath)?.GetCallSites(token)
            .Where(c => c.Callee is not null)
            .Select(c => (c.IlOffset, c.Callee!.Type, c.Callee.Name, c.Callee.Signature)).ToList() ?? [];

    public IReadOnlyList<string> ImplementedSlots(string modulePath, int token) =>
        _catalog.Open(modulePath)?.GetImplementedSlots(token).Select(m => m.NameKey).ToList() ?? [];

    public SourceLocation? Locate(string modulePath, int token, int ilOffset) =>
        _catalog.Open(modulePath)?.GetSourceLocation(token, ilOffset);

    public void Dispose() => _catalog.Dispose();
}
