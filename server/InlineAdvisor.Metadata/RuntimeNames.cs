// Formats metadata methods into the exact type/name/signature strings the runtime's loader and JIT events print, and normalizes event names so both sides join.
using System.Collections.Immutable;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Text;
using InlineAdvisor.Core;

namespace InlineAdvisor.Metadata;

/// <summary>
/// The runtime names a method in MethodLoadVerbose / MethodJitInlining* events with three strings
/// (verified against traces of .NET 10.0.12):
/// <list type="bullet">
/// <item>MethodNamespace: the declaring type as TypeString prints it: "Ns.Outer+Inner", generic
///   types with their instantiation appended ("Ns.Box`1[System.Int32]", shared code as
///   "[System.__Canon]", nested generics "Ns.Outer`1+In`1[System.Int32,System.__Canon]").
///   Reserved characters ,[]&amp;*+\ inside a name are escaped with '\' (from the runtime's
///   TypeNameBuilder source; C# never emits such names, so this part is not observed).</item>
/// <item>MethodName: the metadata name; generic method instantiations are never printed.</item>
/// <item>MethodSignature: the DEFINITION's signature in ILDASM-like text with a two-space gap before
///   "(": "instance generic !!0  (!!0,!0)", "int32  (int32&amp;,class System.String[,])".
///   Class names in signatures are "Namespace.Name" for top-level types and only "Name" for nested
///   ones (e.g. "class Inner", "value class Enumerator&lt;int32,class System.String&gt;").</item>
/// </list>
/// <para>Normalization (used on BOTH sides): an identity names the generic <em>definition</em>:
/// <see cref="NormalizeTypeName"/> removes the instantiation brackets from an event's type
/// ("Ns.Box`1[System.Int32]" and "Ns.Box`1[System.__Canon]" both become "Ns.Box`1"); metadata
/// produces the definition name directly, and a call through a MemberReference on a TypeSpec
/// (Box&lt;int&gt;) or a MethodSpecification (Id&lt;int&gt;) names the definition too. The signature
/// needs no change: both the events and member references print it uninstantiated (!0, !!0).
/// All instantiations of one definition therefore share one identity, which is also the unit a
/// MethodImpl flag applies to.</para>
/// </summary>
public static class RuntimeNames
{
    /// <summary>The runtime's type string for a type definition, without instantiation: "Ns.Outer+Inner".</summary>
    public static string TypeName(MetadataReader md, TypeDefinitionHandle handle)
    {
        var td = md.GetTypeDefinition(handle);
        var name = Escape(md.GetString(td.Name));
        var outer = td.GetDeclaringType();
        if (!outer.IsNil) return TypeName(md, outer) + "+" + name;
        var ns = md.GetString(td.Namespace);
        return ns.Length == 0 ? name : Escape(ns) + "." + name;
    }

    /// <summary>The same format for a type reference (nested references follow their enclosing reference).</summary>
    public static string TypeName(MetadataReader md, TypeReferenceHandle handle)
    {
        var tr = md.GetTypeReference(handle);
        var name = Escape(md.GetString(tr.Name));
        if (tr.ResolutionScope.Kind == HandleKind.TypeReference)
            return TypeName(md, (TypeReferenceHandle)tr.ResolutionScope) + "+" + name;
        var ns = md.GetString(tr.Namespace);
        return ns.Length == 0 ? name : Escape(ns) + "." + name;
    }

    /// <summary>The signature text of a method definition, as MethodSignature fields print it.</summary>
    public static string Signature(MetadataReader md, MethodDefinitionHandle method) =>
        FormatMethod(md.GetMethodDefinition(method).DecodeSignature(SignatureText.Instance, null), functionPointer: false, dropVarargTail: false);

    /// <summary>The signature text of a method signature blob (a MemberReference's or a definition's).
    /// The variable part of a vararg call-site signature is dropped: events print the definition.</summary>
    public static string Signature(MetadataReader md, BlobHandle methodSignature)
    {
        var reader = md.GetBlobReader(methodSignature);
        var sig = new SignatureDecoder<string, object?>(SignatureText.Instance, md, null).DecodeMethodSignature(ref reader);
        return FormatMethod(sig, functionPointer: false, dropVarargTail: true);
    }

    /// <summary>A method definition's signature with the declaring type's parameters !0, !1… replaced by
    /// <paramref name="typeArguments"/> (signature text, e.g. "value class Ns.S"): used to match an
    /// implementation against an interface or base method declared on an instantiated type.</summary>
    public static string SubstitutedSignature(MetadataReader md, MethodDefinitionHandle method, IReadOnlyList<string> typeArguments) =>
        FormatMethod(md.GetMethodDefinition(method).DecodeSignature(SignatureText.Instance, typeArguments), functionPointer: false, dropVarargTail: false);

    /// <summary>The generic type (TypeDef or TypeRef) and type arguments (signature text) of a type
    /// reference in a base-type or interface position; arguments are empty when it is not instantiated.</summary>
    public static (EntityHandle Type, IReadOnlyList<string> Arguments) SplitInstantiation(MetadataReader md, EntityHandle type, IReadOnlyList<string>? outerArguments = null)
    {
        if (type.Kind != HandleKind.TypeSpecification) return (type, []);
        var reader = md.GetBlobReader(md.GetTypeSpecification((TypeSpecificationHandle)type).Signature);
        if (reader.ReadSignatureTypeCode() != SignatureTypeCode.GenericTypeInstance) return (default, []);
        reader.ReadSignatureTypeCode();
        var generic = reader.ReadTypeHandle();
        int count = reader.ReadCompressedInteger();
        var decoder = new SignatureDecoder<string, object?>(SignatureText.Instance, md, outerArguments);
        var args = new string[count];
        for (int i = 0; i < count; i++) args[i] = decoder.DecodeType(ref reader);
        return (generic, args);
    }

    /// <summary>The identity of a method definition of the assembly named <paramref name="assembly"/>.</summary>
    public static MethodIdentity Identity(MetadataReader md, MethodDefinitionHandle method, string assembly)
    {
        var def = md.GetMethodDefinition(method);
        return new MethodIdentity(assembly, TypeName(md, def.GetDeclaringType()), md.GetString(def.Name), Signature(md, method));
    }

    /// <summary>
    /// The identity of the target of a call instruction's token (MethodDef, MemberRef or MethodSpec),
    /// normalized to the generic definition. Assembly is this assembly's name for local targets and
    /// the AssemblyReference's name when the reference scope names another assembly (no forwarding is
    /// followed here; <see cref="ManagedAssembly"/> does that). Null for other token kinds.
    /// </summary>
    public static MethodIdentity? CallTarget(MetadataReader md, EntityHandle target, string thisAssembly)
    {
        switch (target.Kind)
        {
            case HandleKind.MethodDefinition:
                return Identity(md, (MethodDefinitionHandle)target, thisAssembly);
            case HandleKind.MethodSpecification:
                return CallTarget(md, md.GetMethodSpecification((MethodSpecificationHandle)target).Method, thisAssembly);
            case HandleKind.MemberReference:
                var mr = md.GetMemberReference((MemberReferenceHandle)target);
                if (mr.GetKind() != MemberReferenceKind.Method) return null;
                if (mr.Parent.Kind == HandleKind.MethodDefinition) // vararg call of a local definition
                    return Identity(md, (MethodDefinitionHandle)mr.Parent, thisAssembly);
                var (type, assembly) = ParentType(md, mr.Parent, thisAssembly);
                return new MethodIdentity(assembly, type, md.GetString(mr.Name), Signature(md, mr.Signature));
            default:
                return null;
        }
    }

    /// <summary>
    /// Removes the instantiation from a type string as events print it: every top-level, unescaped
    /// "[...]" group that holds type names. Array suffixes ("[]", "[,]", "[*]") stay.
    /// "Ns.Outer`1+In`1[System.Int32,System.__Canon]" → "Ns.Outer`1+In`1".
    /// </summary>
    public static string NormalizeTypeName(string eventTypeName)
    {
        if (eventTypeName.IndexOf('[') < 0) return eventTypeName;
        var sb = new StringBuilder(eventTypeName.Length);
        int i = 0;
        while (i < eventTypeName.Length)
        {
            char c = eventTypeName[i];
            if (c == '\\' && i + 1 < eventTypeName.Length) { sb.Append(c).Append(eventTypeName[i + 1]); i += 2; continue; }
            if (c == '[')
            {
                int end = MatchingBracket(eventTypeName, i);
                if (end < 0) { sb.Append(eventTypeName, i, eventTypeName.Length - i); break; }
                bool arraySuffix = true;
                for (int k = i + 1; k < end; k++)
                    if (eventTypeName[k] != ',' && eventTypeName[k] != '*') { arraySuffix = false; break; }
                if (arraySuffix) sb.Append(eventTypeName, i, end - i + 1);
                i = end + 1;
                continue;
            }
            sb.Append(c);
            i++;
        }
        return sb.ToString();
    }

    /// <summary>An identity from an event's three strings, normalized like metadata identities.
    /// (The JIT reports "&lt;null&gt;" strings for an indirect call target; they pass through.)</summary>
    public static MethodIdentity FromEvent(string methodNamespace, string methodName, string methodSignature, string assembly = "") =>
        new(assembly, NormalizeTypeName(methodNamespace), methodName, methodSignature);

    static int MatchingBracket(string s, int open)
    {
        int depth = 0;
        for (int i = open; i < s.Length; i++)
        {
            char c = s[i];
            if (c == '\\') { i++; continue; }
            if (c == '[') depth++;
            else if (c == ']' && --depth == 0) return i;
        }
        return -1;
    }

    /// <summary>TypeString escapes these characters in names (typeparse.h IsTypeNameReservedChar).</summary>
    static string Escape(string name)
    {
        if (name.IndexOfAny(Reserved) < 0) return name;
        var sb = new StringBuilder(name.Length + 4);
        foreach (var c in name)
        {
            if (Array.IndexOf(Reserved, c) >= 0) sb.Append('\\');
            sb.Append(c);
        }
        return sb.ToString();
    }

    static readonly char[] Reserved = [',', '[', ']', '&', '*', '+', '\\'];

    /// <summary>The declaring type of a MemberReference's parent and the assembly its scope names.</summary>
    static (string Type, string Assembly) ParentType(MetadataReader md, EntityHandle parent, string thisAssembly)
    {
        switch (parent.Kind)
        {
            case HandleKind.TypeDefinition:
                return (TypeName(md, (TypeDefinitionHandle)parent), thisAssembly);
            case HandleKind.TypeReference:
                var tr = (TypeReferenceHandle)parent;
                return (TypeName(md, tr), ScopeAssembly(md, tr, thisAssembly));
            case HandleKind.TypeSpecification:
                var spec = md.GetTypeSpecification((TypeSpecificationHandle)parent);
                var reader = md.GetBlobReader(spec.Signature);
                var code = reader.ReadSignatureTypeCode();
                if (code == SignatureTypeCode.GenericTypeInstance)
                {
                    reader.ReadSignatureTypeCode(); // class / valuetype
                    return ParentType(md, reader.ReadTypeHandle(), thisAssembly);
                }
                // Methods of array types (Get/Set/Address/.ctor): never seen in events; best effort.
                return (md.GetTypeSpecification((TypeSpecificationHandle)parent).DecodeSignature(TypeStringText.Instance, null), thisAssembly);
            case HandleKind.ModuleReference:
                return ("<Module>", thisAssembly);
            default:
                return ("", thisAssembly);
        }
    }

    /// <summary>The simple name of the assembly a type reference's (outermost) scope names.</summary>
    internal static string ScopeAssembly(MetadataReader md, TypeReferenceHandle handle, string thisAssembly)
    {
        var scope = md.GetTypeReference(handle).ResolutionScope;
        while (scope.Kind == HandleKind.TypeReference) scope = md.GetTypeReference((TypeReferenceHandle)scope).ResolutionScope;
        return scope.Kind == HandleKind.AssemblyReference
            ? md.GetString(md.GetAssemblyReference((AssemblyReferenceHandle)scope).Name)
            : thisAssembly;
    }

    /// <summary>PrettyPrintSigWorkerInternal, for a method (the gap before "(") or a function pointer (no gap); the
    /// words come from <see cref="RuntimeSignatureText"/>, shared with the source-side printer.</summary>
    internal static string FormatMethod(MethodSignature<string> sig, bool functionPointer, bool dropVarargTail)
    {
        var sb = new StringBuilder();
        if (sig.Header.IsInstance) sb.Append(RuntimeSignatureText.Instance);
        if (sig.Header.IsGeneric) sb.Append(RuntimeSignatureText.Generic);
        sb.Append(RuntimeSignatureText.CallingConvention(sig.Header.CallingConvention));
        sb.Append(sig.ReturnType);
        sb.Append(RuntimeSignatureText.ParameterListOpen(functionPointer));
        int count = dropVarargTail ? sig.RequiredParameterCount : sig.ParameterTypes.Length;
        bool comma = false;
        for (int i = 0; i < count; i++)
        {
            if (i == sig.RequiredParameterCount) { sb.Append(comma ? ",..." : "..."); comma = true; } // the sentinel
            if (comma) sb.Append(',');
            sb.Append(sig.ParameterTypes[i]);
            comma = true;
        }
        sb.Append(')');
        return sb.ToString();
    }

    /// <summary>PrettyPrintTypeA (utilcode/prettyprintsig.cpp) as a signature type provider.</summary>
    sealed class SignatureText : ISignatureTypeProvider<string, object?>
    {
        public static readonly SignatureText Instance = new();

        public string GetPrimitiveType(PrimitiveTypeCode typeCode) => RuntimeSignatureText.Primitive(typeCode) ?? "<UNKNOWN>";

        // rawTypeKind: 0x11 VALUETYPE, 0x12 CLASS, 0 when the token is a custom modifier's.
        static string Kind(byte rawTypeKind) => rawTypeKind switch { 0x11 or 0x12 => RuntimeSignatureText.ClassKind(rawTypeKind == 0x11), _ => "" };

        // Nested types have no namespace in metadata, so this prints only their name, as the runtime does.
        static string Plain(string ns, string name) => RuntimeSignatureText.ClassName(ns, name);

        public string GetTypeFromDefinition(MetadataReader md, TypeDefinitionHandle handle, byte rawTypeKind)
        {
            var td = md.GetTypeDefinition(handle);
            return Kind(rawTypeKind) + Plain(md.GetString(td.Namespace), md.GetString(td.Name));
        }

        public string GetTypeFromReference(MetadataReader md, TypeReferenceHandle handle, byte rawTypeKind)
        {
            var tr = md.GetTypeReference(handle);
            return Kind(rawTypeKind) + Plain(md.GetString(tr.Namespace), md.GetString(tr.Name));
        }

        public string GetTypeFromSpecification(MetadataReader md, object? context, TypeSpecificationHandle handle, byte rawTypeKind) =>
            Kind(rawTypeKind) + md.GetTypeSpecification(handle).DecodeSignature(this, context);

        public string GetSZArrayType(string elementType) => elementType + RuntimeSignatureText.ArraySuffix(isVector: true, 1);

        // Bounds and sizes are metadata-only (C# cannot declare them), so they are spelled here, not in the shared table.
        public string GetArrayType(string elementType, ArrayShape shape)
        {
            if (shape.Rank == 0) return elementType + "[??]";
            var sb = new StringBuilder(elementType).Append('[');
            for (int i = 0; i < shape.Rank; i++)
            {
                int size = i < shape.Sizes.Length ? shape.Sizes[i] : 0;
                int lower = i < shape.LowerBounds.Length ? shape.LowerBounds[i] : 0;
                if (size != 0 && lower != 0) sb.Append(lower).Append("...").Append(lower + size + 1); // sic, as the runtime prints
                if (i < shape.Rank - 1) sb.Append(',');
            }
            return sb.Append(']').ToString();
        }

        public string GetByReferenceType(string elementType) => elementType + "&";
        public string GetPointerType(string elementType) => elementType + "*";
        public string GetPinnedType(string elementType) => elementType + " pinned";
        public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments) =>
            genericType + "<" + string.Join(",", typeArguments) + ">";
        public string GetGenericMethodParameter(object? context, int index) => RuntimeSignatureText.MethodTypeParameter(index);
        // With a context (the type arguments of an instantiated declaring type, in signature text), !n is substituted.
        public string GetGenericTypeParameter(object? context, int index) =>
            context is IReadOnlyList<string> args && index < args.Count ? args[index] : RuntimeSignatureText.TypeParameter(index);
        public string GetFunctionPointerType(MethodSignature<string> signature) =>
            RuntimeSignatureText.FunctionPointer + FormatMethod(signature, functionPointer: true, dropVarargTail: false);
        public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) =>
            RuntimeSignatureText.Modifier(isRequired) + modifier + " " + unmodifiedType;
    }

    /// <summary>A TypeString-like name for array TypeSpecs ("System.Int32[,]"): unverified against events.</summary>
    sealed class TypeStringText : ISignatureTypeProvider<string, object?>
    {
        public static readonly TypeStringText Instance = new();
        public string GetPrimitiveType(PrimitiveTypeCode typeCode) => "System." + typeCode;
        public string GetTypeFromDefinition(MetadataReader md, TypeDefinitionHandle handle, byte rawTypeKind) => TypeName(md, handle);
        public string GetTypeFromReference(MetadataReader md, TypeReferenceHandle handle, byte rawTypeKind) => TypeName(md, handle);
        public string GetTypeFromSpecification(MetadataReader md, object? context, TypeSpecificationHandle handle, byte rawTypeKind) =>
            md.GetTypeSpecification(handle).DecodeSignature(this, context);
        public string GetSZArrayType(string elementType) => elementType + "[]";
        public string GetArrayType(string elementType, ArrayShape shape) => elementType + "[" + new string(',', Math.Max(0, shape.Rank - 1)) + "]";
        public string GetByReferenceType(string elementType) => elementType + "&";
        public string GetPointerType(string elementType) => elementType + "*";
        public string GetPinnedType(string elementType) => elementType;
        public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments) => genericType;
        public string GetGenericMethodParameter(object? context, int index) => "!!" + index;
        public string GetGenericTypeParameter(object? context, int index) => "!" + index;
        public string GetFunctionPointerType(MethodSignature<string> signature) => "System.IntPtr";
        public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => unmodifiedType;
    }
}
