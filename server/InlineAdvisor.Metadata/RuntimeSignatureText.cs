// The words of the runtime's signature text (utilcode/prettyprintsig.cpp), in one table for both printers of it:
// RuntimeNames (over metadata) and Advice.RuntimeSignature (over Roslyn symbols), so the two cannot drift apart.
using System.Reflection.Metadata;

namespace InlineAdvisor.Metadata;

/// <summary>
/// How MethodSignature fields spell the parts of a signature: primitive names ("unsigned int64", "wchar"), class kinds
/// ("value class "), calling conventions ("unmanaged cdecl "), generic parameters ("!0", "!!0"), custom modifiers,
/// class names ("Namespace.Name" for top-level types, only "Name" for nested ones) and generic arity ("Box`1").
/// Only the spelling lives here; each printer walks its own model (metadata blobs, compiler symbols) in the same order.
/// The strings are checked against names recorded from real traces (tests/…/Metadata/ObservedRuntimeNames.cs).
/// </summary>
public static class RuntimeSignatureText
{
    public const string Instance = "instance ";
    public const string Generic = "generic ";
    public const string FunctionPointer = "fnptr ";

    /// <summary>A primitive as the runtime prints it; null for a code that is not one of its primitives.</summary>
    public static string? Primitive(PrimitiveTypeCode code) => code switch
    {
        PrimitiveTypeCode.Void => "void",
        PrimitiveTypeCode.Boolean => "bool",
        PrimitiveTypeCode.Char => "wchar",
        PrimitiveTypeCode.SByte => "int8",
        PrimitiveTypeCode.Byte => "unsigned int8",
        PrimitiveTypeCode.Int16 => "int16",
        PrimitiveTypeCode.UInt16 => "unsigned int16",
        PrimitiveTypeCode.Int32 => "int32",
        PrimitiveTypeCode.UInt32 => "unsigned int32",
        PrimitiveTypeCode.Int64 => "int64",
        PrimitiveTypeCode.UInt64 => "unsigned int64",
        PrimitiveTypeCode.Single => "float32",
        PrimitiveTypeCode.Double => "float64",
        PrimitiveTypeCode.IntPtr => "int",
        PrimitiveTypeCode.UIntPtr => "unsigned int",
        PrimitiveTypeCode.Object => "class System.Object",
        PrimitiveTypeCode.String => "class System.String",
        PrimitiveTypeCode.TypedReference => "refany",
        _ => null,
    };

    // Indexed by the low four bits of the signature header; 6 and 7 are not conventions (the runtime prints an error).
    static readonly string[] CallingConventions =
        ["", "unmanaged cdecl ", "unmanaged stdcall ", "unmanaged thiscall ", "unmanaged fastcall ", "vararg ",
         "<error> ", "<error> ", "", "", "", "native vararg "];

    /// <summary>The calling convention's prefix ("" for the default and for the plain unmanaged convention).</summary>
    public static string CallingConvention(SignatureCallingConvention convention)
    {
        int cc = (int)convention & 0x0F;
        return cc < CallingConventions.Length ? CallingConventions[cc] : "";
    }

    /// <summary>"value class " or "class " before a named type (and nothing for a custom modifier's type).</summary>
    public static string ClassKind(bool isValueType) => isValueType ? "value class " : "class ";

    /// <summary>PrettyPrintClass: "Namespace.Name", or "Name" when there is no namespace (nested types have none).
    /// Unescaped, unlike the type string of the MethodNamespace field.</summary>
    public static string ClassName(string ns, string name) => ns.Length == 0 ? name : ns + "." + name;

    /// <summary>A metadata name with its generic arity: "Box`1" (no suffix for arity 0).</summary>
    public static string WithArity(string name, int arity) => arity > 0 ? name + "`" + arity : name;

    /// <summary>The word before a custom modifier's type.</summary>
    public static string Modifier(bool isRequired) => isRequired ? "required_modifier " : "optional_modifier ";

    /// <summary>The n-th type parameter of the declaring type, counted over its enclosing types' parameters first.</summary>
    public static string TypeParameter(int index) => "!" + index;

    /// <summary>The n-th type parameter of the method.</summary>
    public static string MethodTypeParameter(int index) => "!!" + index;

    /// <summary>An array suffix without bounds: "[]" for a vector, "[,]" for rank 2 (C# cannot declare bounds).</summary>
    public static string ArraySuffix(bool isVector, int rank) => isVector ? "[]" : "[" + new string(',', Math.Max(0, rank - 1)) + "]";

    /// <summary>The text between the return type and the parameter list: PrettyPrintSigWorkerInternal is called with the
    /// name " " for methods (hence "ret  (args)") and "" for function pointers ("fnptr ret(args)").</summary>
    public static string ParameterListOpen(bool functionPointer) => functionPointer ? "(" : "  (";
}
