// The plain results the metadata reader hands out: methods, IL call sites, lookups and PDB checksums.
using System.Reflection;
using System.Security.Cryptography;
using InlineAdvisor.Core;

namespace InlineAdvisor.Metadata;

/// <summary>A method definition of one build. <see cref="IlSize"/> is the IL code size (-1: no body,
/// e.g. abstract, extern, or reference assemblies). <see cref="ImplFlags"/> is the raw MethodImpl
/// word of the MethodDef row (all bits, so a patcher can write it back).</summary>
public sealed record MethodEntry(
    MethodIdentity Identity,
    int Token,
    int IlSize,
    MethodImplFlags ImplFlags,
    MethodAttributes Attributes)
{
    public bool IsVirtual => (Attributes & MethodAttributes.Virtual) != 0;
}

public enum CallKind { Call, CallVirt, NewObj, CallI }

/// <summary>
/// One call instruction in a method body. <see cref="IlOffset"/> is the offset of the call opcode
/// itself (after any prefix such as constrained. or tail.). <see cref="Callee"/> is null for calli.
/// <see cref="IsVirtual"/>: a callvirt whose target dispatches virtually (virtual, not final, declared
/// in an unsealed type), or whose target could not be resolved (<see cref="CalleeResolved"/> false);
/// call and newobj never dispatch virtually. The JIT may still devirtualize (e.g. after constrained.).
/// <see cref="CalleeToken"/> is the instruction's operand token (a signature token for calli).
/// </summary>
public sealed record ILCallSite(
    int IlOffset,
    CallKind Kind,
    MethodIdentity? Callee,
    bool IsVirtual,
    bool CalleeResolved,
    int CalleeToken)
{
    public bool IsIndirect => Kind == CallKind.CallI;
}

/// <summary>The definitions that carry one (type, name, signature) triple: exactly one, or several
/// (<see cref="IsAmbiguous"/>; the runtime's strings cannot tell them apart, e.g. overloads that
/// differ only in generic arity or in the namespace of a nested parameter type).</summary>
public sealed record MethodMatch(IReadOnlyList<MethodEntry> Candidates)
{
    public bool IsAmbiguous => Candidates.Count > 1;
    /// <summary>The method when the match is unique, otherwise null.</summary>
    public MethodEntry? Method => Candidates.Count == 1 ? Candidates[0] : null;
}

/// <summary>The checksum the compiler stored in the PDB for a source document.</summary>
public sealed record DocumentChecksum(string Document, string Algorithm, string HashHex)
{
    /// <summary>True when the file's bytes on disk hash to the stored checksum; null when the
    /// algorithm is unknown or the file cannot be read.</summary>
    public bool? Matches(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            byte[] hash = Algorithm switch
            {
                "SHA256" => SHA256.HashData(stream),
                "SHA1" => SHA1.HashData(stream),
                _ => [],
            };
            return hash.Length == 0 ? null : Convert.ToHexString(hash).Equals(HashHex, StringComparison.OrdinalIgnoreCase);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
