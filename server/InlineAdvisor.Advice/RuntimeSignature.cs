// The source-side printer of runtime signatures: a Roslyn method symbol as the runtime's MethodSignature text, so a
// declaration in source is compared with a profile's identity exactly. It stays in Advice, beside its only user, because
// it walks Roslyn symbols and Metadata must not depend on Roslyn; the words it prints are Metadata's RuntimeSignatureText,
// shared with RuntimeNames, and both printers are tested against the same recorded names (ObservedRuntimeNames).
using System.Collections.Immutable;
using System.Reflection.Metadata;
using System.Text;
using System.Text.RegularExpressions;
using InlineAdvisor.Metadata;
using Microsoft.CodeAnalysis;

namespace InlineAdvisor.Advice;

/// <summary>Formats a method symbol's signature the way the runtime prints MethodSignature
/// (see <see cref="RuntimeNames"/>): "instance generic !!0  (!!0,!0)", "int32  (class System.String[],int32&amp;)".
/// The words come from <see cref="RuntimeSignatureText"/>, the table the metadata printer uses too; this class only
/// walks Roslyn's symbols in the order the metadata blob has them (custom modifiers before the type they modify).
/// Types the compilation could not resolve become wildcards that match any namespace and class kind.</summary>
internal sealed class RuntimeSignature
{
    const char Open = '\u0001', Close = '\u0002';
    readonly string _text;
    readonly bool _loose;
    Regex? _regex;

    RuntimeSignature(string text, bool loose) { _text = text; _loose = loose; }

    /// <summary>The formatted text, unresolved types shown as "?Name".</summary>
    public string Display => _loose ? _text.Replace(Open, '?').Replace(Close.ToString(), "") : _text;
    public bool IsExact => !_loose;

    public static RuntimeSignature Of(IMethodSymbol method)
    {
        var w = new Writer();
        w.Method(method, functionPointer: false);
        return new RuntimeSignature(w.ToString(), w.Loose);
    }

    public bool Matches(string runtimeSignature)
    {
        if (!_loose) return string.Equals(_text, runtimeSignature, StringComparison.Ordinal);
        _regex ??= BuildRegex(_text);
        return _regex.IsMatch(runtimeSignature);
    }

    static Regex BuildRegex(string text)
    {
        var sb = new StringBuilder("^");
        int i = 0;
        while (i < text.Length)
        {
            int open = text.IndexOf(Open, i);
            if (open < 0) { sb.Append(Regex.Escape(text[i..])); break; }
            sb.Append(Regex.Escape(text[i..open]));
            int close = text.IndexOf(Close, open);
            sb.Append(@"(?:(?:value )?class )?(?:[^\s,<>()&*\[\]]+[.+])?").Append(Regex.Escape(text[(open + 1)..close]));
            i = close + 1;
        }
        return new Regex(sb.Append('$').ToString(), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }

    sealed class Writer
    {
        readonly StringBuilder _sb = new();
        public bool Loose { get; private set; }
        public override string ToString() => _sb.ToString();

        public void Method(IMethodSymbol m, bool functionPointer)
        {
            // A C# function pointer has no "this"; its signature symbol is not marked static, so it is not asked.
            if (!functionPointer && !m.IsStatic) _sb.Append(RuntimeSignatureText.Instance);
            if (m.IsGenericMethod) _sb.Append(RuntimeSignatureText.Generic);
            _sb.Append(RuntimeSignatureText.CallingConvention(m.CallingConvention));
            if (m.RefKind != RefKind.None)
            {
                Modifiers(m.RefCustomModifiers);
                Modifiers(m.ReturnTypeCustomModifiers);
                Type(m.ReturnType);
                _sb.Append('&');
            }
            else
            {
                Modifiers(m.ReturnTypeCustomModifiers);
                Type(m.ReturnType);
            }
            _sb.Append(RuntimeSignatureText.ParameterListOpen(functionPointer));
            for (int i = 0; i < m.Parameters.Length; i++)
            {
                if (i > 0) _sb.Append(',');
                var p = m.Parameters[i];
                if (p.RefKind != RefKind.None)
                {
                    Modifiers(p.RefCustomModifiers);
                    Modifiers(p.CustomModifiers);
                    Type(p.Type);
                    _sb.Append('&');
                }
                else
                {
                    Modifiers(p.CustomModifiers);
                    Type(p.Type);
                }
            }
            _sb.Append(')');
        }

        void Modifiers(ImmutableArray<CustomModifier> modifiers)
        {
            foreach (var mod in modifiers)
            {
                _sb.Append(RuntimeSignatureText.Modifier(isRequired: !mod.IsOptional));
                PlainName(mod.Modifier);
                _sb.Append(' ');
            }
        }

        /// <summary>PrettyPrintClass: "Namespace.Name" for top-level types, "Name" for nested ones (which, in metadata,
        /// have no namespace of their own).</summary>
        void PlainName(INamedTypeSymbol t) =>
            _sb.Append(RuntimeSignatureText.ClassName(t.ContainingType is null ? Namespace(t.ContainingNamespace) : "", t.MetadataName));

        static string Namespace(INamespaceSymbol? ns)
        {
            var parts = new List<string>();
            for (; ns is not null && !ns.IsGlobalNamespace; ns = ns.ContainingNamespace) parts.Add(ns.MetadataName);
            parts.Reverse();
            return string.Join('.', parts);
        }

        void Type(ITypeSymbol t)
        {
            switch (t)
            {
                case IArrayTypeSymbol a:
                    Type(a.ElementType);
                    _sb.Append(RuntimeSignatureText.ArraySuffix(a.IsSZArray, a.Rank));
                    return;
                case IPointerTypeSymbol p:
                    Modifiers(p.CustomModifiers);
                    Type(p.PointedAtType);
                    _sb.Append('*');
                    return;
                case IFunctionPointerTypeSymbol f:
                    _sb.Append(RuntimeSignatureText.FunctionPointer);
                    Method(f.Signature, functionPointer: true);
                    return;
                case ITypeParameterSymbol tp:
                    if (tp.TypeParameterKind == TypeParameterKind.Method) _sb.Append(RuntimeSignatureText.MethodTypeParameter(tp.Ordinal));
                    else
                    {
                        // Metadata numbers a nested type's parameters after its enclosing types' (Outer2`1+In`1: T is !0, U is !1).
                        int outer = 0;
                        for (var c = tp.DeclaringType?.ContainingType; c is not null; c = c.ContainingType) outer += c.Arity;
                        _sb.Append(RuntimeSignatureText.TypeParameter(outer + tp.Ordinal));
                    }
                    return;
                case IDynamicTypeSymbol:   // dynamic is object in metadata
                    _sb.Append(RuntimeSignatureText.Primitive(PrimitiveTypeCode.Object));
                    return;
                case INamedTypeSymbol n:
                    Named(n);
                    return;
                default:
                    Unresolved(t.Name, 0);
                    return;
            }
        }

        void Unresolved(string name, int arity)
        {
            Loose = true;
            _sb.Append(Open).Append(RuntimeSignatureText.WithArity(name, arity)).Append(Close);
        }

        void Named(INamedTypeSymbol n)
        {
            if (n.IsTupleType && n.TupleUnderlyingType is { } underlying) n = underlying;
            if (PrimitiveOf(n.SpecialType) is { } code) { _sb.Append(RuntimeSignatureText.Primitive(code)); return; }

            if (n.TypeKind == TypeKind.Error)
                Unresolved(n.Name, n.Arity);
            else
            {
                _sb.Append(RuntimeSignatureText.ClassKind(n.IsValueType));
                PlainName(n);
            }
            // Generic instantiations carry the arguments of the enclosing types too ("Enumerator<int32,class System.String>").
            var args = new List<ITypeSymbol>();
            var chain = new Stack<INamedTypeSymbol>();
            for (var c = n; c is not null; c = c.ContainingType) chain.Push(c);
            foreach (var c in chain) args.AddRange(c.TypeArguments);
            if (args.Count == 0) return;
            _sb.Append('<');
            for (int i = 0; i < args.Count; i++)
            {
                if (i > 0) _sb.Append(',');
                Type(args[i]);
            }
            _sb.Append('>');
        }
    }

    /// <summary>The metadata element type Roslyn's special types are encoded as (the runtime prints those by name).</summary>
    static PrimitiveTypeCode? PrimitiveOf(SpecialType type) => type switch
    {
        SpecialType.System_Void => PrimitiveTypeCode.Void,
        SpecialType.System_Boolean => PrimitiveTypeCode.Boolean,
        SpecialType.System_Char => PrimitiveTypeCode.Char,
        SpecialType.System_SByte => PrimitiveTypeCode.SByte,
        SpecialType.System_Byte => PrimitiveTypeCode.Byte,
        SpecialType.System_Int16 => PrimitiveTypeCode.Int16,
        SpecialType.System_UInt16 => PrimitiveTypeCode.UInt16,
        SpecialType.System_Int32 => PrimitiveTypeCode.Int32,
        SpecialType.System_UInt32 => PrimitiveTypeCode.UInt32,
        SpecialType.System_Int64 => PrimitiveTypeCode.Int64,
        SpecialType.System_UInt64 => PrimitiveTypeCode.UInt64,
        SpecialType.System_Single => PrimitiveTypeCode.Single,
        SpecialType.System_Double => PrimitiveTypeCode.Double,
        SpecialType.System_IntPtr => PrimitiveTypeCode.IntPtr,
        SpecialType.System_UIntPtr => PrimitiveTypeCode.UIntPtr,
        SpecialType.System_Object => PrimitiveTypeCode.Object,
        SpecialType.System_String => PrimitiveTypeCode.String,
        SpecialType.System_TypedReference => PrimitiveTypeCode.TypedReference,
        _ => null,
    };
}
