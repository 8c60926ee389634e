// One opened assembly: its methods with runtime-format identities, lookups by token or by event strings, IL call sites and source locations.
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using InlineAdvisor.Core;

namespace InlineAdvisor.Metadata;

/// <summary>
/// A managed assembly opened by an <see cref="AssemblyCatalog"/>. Queries never throw for damaged
/// bodies or PDBs: they return null / empty. Thread-safe. The catalog owns it (and disposes it).
/// </summary>
public sealed class ManagedAssembly
{
    readonly PEReader _pe;
    readonly AssemblyCatalog? _catalog;
    readonly object _gate = new();
    readonly Dictionary<int, MethodEntry> _methods = new();
    readonly Dictionary<int, (MethodIdentity? Callee, bool Virtual, bool Resolved)> _targets = new();
    Dictionary<string, TypeDefinitionHandle>? _types;
    Dictionary<string, string>? _forwarders;
    SourceMap? _sourceMap;
    bool _sourceMapTried;

    internal ManagedAssembly(string path, PEReader pe, MetadataReader reader, AssemblyCatalog? catalog)
    {
        Path = path;
        _pe = pe;
        Reader = reader;
        _catalog = catalog;
        Name = reader.GetString(reader.GetAssemblyDefinition().Name);
        Mvid = reader.GetGuid(reader.GetModuleDefinition().Mvid);
    }

    public string Path { get; }
    /// <summary>The simple assembly name ("System.Private.CoreLib").</summary>
    public string Name { get; }
    public Guid Mvid { get; }
    public MetadataReader Reader { get; }
    public bool IsSharedFramework => _catalog?.IsSharedFramework(Path) ?? false;

    /// <summary>Every method definition, in table order.</summary>
    public IEnumerable<MethodEntry> Methods =>
        Reader.MethodDefinitions.Select(h => GetMethod(MetadataTokens.GetToken(h))).OfType<MethodEntry>();

    /// <summary>The method with MethodDef token <paramref name="token"/> (0x06xxxxxx), or null.</summary>
    public MethodEntry? GetMethod(int token)
    {
        if ((token >> 24) != 0x06) return null;
        int row = token & 0xFFFFFF;
        if (row < 1 || row > Reader.GetTableRowCount(TableIndex.MethodDef)) return null;
        lock (_gate)
        {
            if (_methods.TryGetValue(row, out var cached)) return cached;
        }
        MethodEntry entry;
        try
        {
            var handle = MetadataTokens.MethodDefinitionHandle(row);
            var def = Reader.GetMethodDefinition(handle);
            entry = new MethodEntry(RuntimeNames.Identity(Reader, handle, Name), token, IlSizeOf(def),
                (MethodImplFlags)(ushort)def.ImplAttributes, def.Attributes);
        }
        catch (BadImageFormatException)
        {
            return null;
        }
        lock (_gate) _methods[row] = entry;
        return entry;
    }

    /// <summary>
    /// The definitions named by an event's strings (MethodNamespace, MethodName, MethodSignature); the
    /// type may carry an instantiation, which is normalized away. Null when none matches.
    /// </summary>
    public MethodMatch? FindMethod(string type, string name, string signature)
    {
        // Through the type index only: a method index of a large assembly (CoreLib) costs tens of
        // milliseconds, and most look-ups end at "no such type here".
        if (!TryGetType(RuntimeNames.NormalizeTypeName(type), out var th)) return null;
        var found = new List<MethodEntry>();
        foreach (var h in Reader.GetTypeDefinition(th).GetMethods())
        {
            if (!Reader.StringComparer.Equals(Reader.GetMethodDefinition(h).Name, name)) continue;
            var m = GetMethod(MetadataTokens.GetToken(h));
            if (m is not null && m.Identity.Signature == signature) found.Add(m);
        }
        return found.Count == 0 ? null : new MethodMatch(found);
    }

    public MethodMatch? FindMethod(MethodIdentity identity) => FindMethod(identity.Type, identity.Name, identity.Signature);

    /// <summary>True when this assembly defines the type (runtime format, "Ns.Outer+Inner").</summary>
    public bool HasType(string typeName) => TryGetType(typeName, out _);

    internal bool TryGetType(string typeName, out TypeDefinitionHandle handle)
    {
        lock (_gate)
        {
            if (_types is null)
            {
                _types = new();
                foreach (var h in Reader.TypeDefinitions) _types.TryAdd(RuntimeNames.TypeName(Reader, h), h);
            }
            return _types.TryGetValue(typeName, out handle);
        }
    }

    /// <summary>The assembly and definition a TypeDef or TypeRef of this assembly denotes (null when unresolvable).</summary>
    internal (ManagedAssembly Owner, TypeDefinitionHandle Type)? ResolveType(EntityHandle type)
    {
        if (type.Kind == HandleKind.TypeDefinition) return (this, (TypeDefinitionHandle)type);
        if (type.Kind != HandleKind.TypeReference) return null;
        var tr = (TypeReferenceHandle)type;
        var name = RuntimeNames.TypeName(Reader, tr);
        var scope = RuntimeNames.ScopeAssembly(Reader, tr, Name);
        var owner = scope == Name ? this : _catalog?.ResolveTypeOwner(this, scope, name);
        return owner is not null && owner.TryGetType(name, out var handle) ? (owner, handle) : null;
    }

    /// <summary>
    /// The virtual slots a method fills, as normalized identities: interface methods it implements
    /// (explicitly through MethodImpl rows, or implicitly by name and signature) and base-class methods
    /// it overrides. The JIT reports a devirtualized (e.g. guarded-devirtualization) inlinee by the
    /// implementation, while the IL call names the slot: this list joins the two. Empty for
    /// non-virtual methods; types it cannot resolve are skipped.
    /// </summary>
    public IReadOnlyList<MethodIdentity> GetImplementedSlots(int methodToken)
    {
        var entry = GetMethod(methodToken);
        if (entry is null || !entry.IsVirtual) return [];
        var result = new List<MethodIdentity>();
        try
        {
            var handle = MetadataTokens.MethodDefinitionHandle(methodToken & 0xFFFFFF);
            var def = Reader.GetMethodDefinition(handle);
            var typeHandle = def.GetDeclaringType();
            var type = Reader.GetTypeDefinition(typeHandle);
            string name = entry.Identity.Name, sig = entry.Identity.Signature;

            foreach (var mih in type.GetMethodImplementations())
            {
                var mi = Reader.GetMethodImplementation(mih);
                if (mi.MethodBody != (EntityHandle)handle) continue;
                var (callee, _, _) = Target(MetadataTokens.GetToken(mi.MethodDeclaration));
                if (callee is not null) result.Add(callee);
            }

            foreach (var ih in type.GetInterfaceImplementations())
            {
                var (iface, args) = RuntimeNames.SplitInstantiation(Reader, Reader.GetInterfaceImplementation(ih).Interface);
                if (iface.IsNil || ResolveType(iface) is not { } target) continue;
                AddMatches(target.Owner, target.Type, args, name, sig, result, virtualOnly: false);
            }

            if ((def.Attributes & MethodAttributes.NewSlot) == 0)
            {
                // Walk the base chain, carrying the instantiation: Base<!0> seen from here, and so on.
                ManagedAssembly owner = this;
                var current = type;
                IReadOnlyList<string> args = [];
                for (int depth = 0; depth < 32 && !current.BaseType.IsNil; depth++)
                {
                    var (baseHandle, baseArgs) = RuntimeNames.SplitInstantiation(owner.Reader, current.BaseType, args);
                    if (baseHandle.IsNil || owner.ResolveType(baseHandle) is not { } b) break;
                    int before = result.Count;
                    AddMatches(b.Owner, b.Type, baseArgs, name, sig, result, virtualOnly: true);
                    var found = result.Skip(before).Select(id => b.Owner.FindMethod(id)?.Method).OfType<MethodEntry>();
                    if (found.Any(m => (m.Attributes & MethodAttributes.NewSlot) != 0)) break; // the slot's origin
                    owner = b.Owner;
                    current = owner.Reader.GetTypeDefinition(b.Type);
                    args = baseArgs;
                }
            }
        }
        catch (BadImageFormatException)
        {
        }
        return result.Distinct().ToList();
    }

    static void AddMatches(ManagedAssembly owner, TypeDefinitionHandle type, IReadOnlyList<string> args, string name, string sig,
                           List<MethodIdentity> result, bool virtualOnly)
    {
        var md = owner.Reader;
        foreach (var mh in md.GetTypeDefinition(type).GetMethods())
        {
            var m = md.GetMethodDefinition(mh);
            if (md.GetString(m.Name) != name) continue;
            if (virtualOnly && (m.Attributes & MethodAttributes.Virtual) == 0) continue;
            if (RuntimeNames.SubstitutedSignature(md, mh, args) != sig) continue;
            if (owner.GetMethod(MetadataTokens.GetToken(mh)) is { } e) result.Add(e.Identity);
        }
    }

    /// <summary>The simple name of the assembly a type forwarder of this assembly points to, or null.
    /// A nested type follows its outermost type's forwarder.</summary>
    public string? ForwardedTo(string typeName)
    {
        lock (_gate)
        {
            if (_forwarders is null)
            {
                _forwarders = new();
                foreach (var eh in Reader.ExportedTypes)
                {
                    var et = Reader.GetExportedType(eh);
                    if (!et.IsForwarder || et.Implementation.Kind != HandleKind.AssemblyReference) continue;
                    var ns = Reader.GetString(et.Namespace);
                    var n = Reader.GetString(et.Name);
                    _forwarders[ns.Length == 0 ? n : ns + "." + n] =
                        Reader.GetString(Reader.GetAssemblyReference((AssemblyReferenceHandle)et.Implementation).Name);
                }
            }
            int plus = typeName.IndexOf('+');
            var outer = plus < 0 ? typeName : typeName[..plus];
            return _forwarders.TryGetValue(outer, out var target) ? target : null;
        }
    }

    /// <summary>
    /// The call, callvirt, newobj and calli instructions of a method body, in IL order; empty when the
    /// method has no body or it cannot be read.
    /// </summary>
    public IReadOnlyList<ILCallSite> GetCallSites(int methodToken)
    {
        var il = GetIL(methodToken);
        if (il is null) return [];
        var sites = new List<ILCallSite>();
        foreach (var ins in ILScanner.Calls(ILScanner.Decode(il, out _)))
        {
            int token = (int)ins.Operand;
            if (ins.OpCode == ILOpCode.Calli)
            {
                sites.Add(new ILCallSite(ins.Offset, CallKind.CallI, null, false, false, token));
                continue;
            }
            var (callee, isVirtual, resolved) = Target(token);
            var kind = ins.OpCode switch { ILOpCode.Callvirt => CallKind.CallVirt, ILOpCode.Newobj => CallKind.NewObj, _ => CallKind.Call };
            sites.Add(new ILCallSite(ins.Offset, kind, callee, kind == CallKind.CallVirt && isVirtual, resolved, token));
        }
        return sites;
    }

    /// <summary>The IL code bytes of a method, or null when it has none.</summary>
    public byte[]? GetIL(int methodToken)
    {
        if (GetMethod(methodToken) is null) return null;
        try
        {
            var def = Reader.GetMethodDefinition(MetadataTokens.MethodDefinitionHandle(methodToken & 0xFFFFFF));
            if (def.RelativeVirtualAddress == 0) return null;
            return _pe.GetMethodBody(def.RelativeVirtualAddress).GetILBytes();
        }
        catch (Exception e) when (e is BadImageFormatException or InvalidOperationException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>The exception-handling clauses of a method body (empty when none or unreadable).</summary>
    public IReadOnlyList<ExceptionRegion> GetExceptionRegions(int methodToken)
    {
        if (GetMethod(methodToken) is null) return [];
        try
        {
            var def = Reader.GetMethodDefinition(MetadataTokens.MethodDefinitionHandle(methodToken & 0xFFFFFF));
            return def.RelativeVirtualAddress == 0 ? [] : _pe.GetMethodBody(def.RelativeVirtualAddress).ExceptionRegions;
        }
        catch (Exception e) when (e is BadImageFormatException or InvalidOperationException or ArgumentOutOfRangeException)
        {
            return [];
        }
    }

    /// <summary>Declared parameter count (without `this`), whether it has `this`, and whether the method or its
    /// declaring type is generic; null when the signature cannot be read.</summary>
    public (int Parameters, bool HasThis, bool Generic)? GetSignatureShape(int methodToken)
    {
        if (GetMethod(methodToken) is null) return null;
        try
        {
            var handle = MetadataTokens.MethodDefinitionHandle(methodToken & 0xFFFFFF);
            var def = Reader.GetMethodDefinition(handle);
            var blob = Reader.GetBlobReader(def.Signature);
            var header = blob.ReadSignatureHeader();
            if (header.IsGeneric) blob.ReadCompressedInteger();
            int count = blob.ReadCompressedInteger();
            bool generic = def.GetGenericParameters().Count > 0 || Reader.GetTypeDefinition(def.GetDeclaringType()).GetGenericParameters().Count > 0;
            return (count, header.IsInstance, generic);
        }
        catch (BadImageFormatException)
        {
            return null;
        }
    }

    int IlSizeOf(MethodDefinition def)
    {
        if (def.RelativeVirtualAddress == 0) return -1;
        try { return _pe.GetMethodBody(def.RelativeVirtualAddress).GetILReader().Length; }
        catch (Exception e) when (e is BadImageFormatException or InvalidOperationException or ArgumentOutOfRangeException) { return -1; }
    }

    /// <summary>Callee identity, whether it is a virtual method, and whether its definition was found.</summary>
    (MethodIdentity? Callee, bool Virtual, bool Resolved) Target(int token)
    {
        lock (_gate)
        {
            if (_targets.TryGetValue(token, out var cached)) return cached;
        }
        (MethodIdentity?, bool, bool) result;
        try
        {
            result = ResolveTarget(MetadataTokens.EntityHandle(token));
        }
        catch (Exception e) when (e is BadImageFormatException or ArgumentException or InvalidCastException)
        {
            result = (null, true, false);
        }
        lock (_gate) _targets[token] = result;
        return result;
    }

    (MethodIdentity?, bool, bool) ResolveTarget(EntityHandle handle)
    {
        if (handle.Kind == HandleKind.MethodSpecification)
            handle = Reader.GetMethodSpecification((MethodSpecificationHandle)handle).Method;
        var callee = RuntimeNames.CallTarget(Reader, handle, Name);
        if (callee is null) return (null, true, false);
        if (handle.Kind == HandleKind.MethodDefinition)
            return (callee, DispatchesVirtually((MethodDefinitionHandle)handle), true);

        var mr = Reader.GetMemberReference((MemberReferenceHandle)handle);
        if (mr.Parent.Kind == HandleKind.MethodDefinition)
            return (callee, DispatchesVirtually((MethodDefinitionHandle)mr.Parent), true);

        // Where is the type defined? Here, or in the assembly its reference scope names (after forwarders).
        ManagedAssembly? owner = this;
        if (callee.Assembly != Name && _catalog is not null)
            owner = _catalog.ResolveTypeOwner(this, callee.Assembly, callee.Type);
        else if (callee.Assembly != Name)
            owner = null;
        var match = owner?.FindMethod(callee.Type, callee.Name, callee.Signature);
        if (owner is not null && owner != this) callee = callee with { Assembly = owner.Name };
        return match?.Method is { } m && owner is not null
            ? (callee, owner.DispatchesVirtually(MetadataTokens.MethodDefinitionHandle(m.Token & 0xFFFFFF)), true)
            : (callee, true, false);
    }

    /// <summary>A callvirt to this method dispatches virtually: virtual, not final, in an unsealed type.
    /// (Implicit interface implementations are "virtual final": callvirt on them is a null check.)</summary>
    bool DispatchesVirtually(MethodDefinitionHandle handle)
    {
        var def = Reader.GetMethodDefinition(handle);
        if ((def.Attributes & MethodAttributes.Virtual) == 0 || (def.Attributes & MethodAttributes.Final) != 0) return false;
        return (Reader.GetTypeDefinition(def.GetDeclaringType()).Attributes & TypeAttributes.Sealed) == 0;
    }

    /// <summary>The PDB's sequence points, or null when there is no matching portable PDB.</summary>
    public SourceMap? Sources
    {
        get
        {
            lock (_gate)
            {
                if (!_sourceMapTried)
                {
                    _sourceMapTried = true;
                    _sourceMap = SourceMap.TryOpen(_pe, Path);
                }
                return _sourceMap;
            }
        }
    }

    /// <summary>The source statement covering <paramref name="ilOffset"/> in a method; null without a PDB.</summary>
    public SourceLocation? GetSourceLocation(int methodToken, int ilOffset) => Sources?.Locate(methodToken, ilOffset);

    /// <summary>The first source line of a method; null without a PDB or sequence points.</summary>
    public SourceLocation? GetFirstLine(int methodToken) => Sources?.FirstLine(methodToken);

    /// <summary>The PDB checksum of a source document; null without a PDB or a unique match.</summary>
    public DocumentChecksum? GetDocumentChecksum(string file) => Sources?.Checksum(file);

    internal void Release()
    {
        lock (_gate)
        {
            _sourceMap?.Release();
            _pe.Dispose();
        }
    }
}
