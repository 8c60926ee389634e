// Walks a method's IL byte by byte with the full ECMA-335 opcode table and lists every instruction, so call sites get their exact IL offsets.
using System.Buffers.Binary;
using System.Reflection.Metadata;

namespace InlineAdvisor.Metadata;

/// <summary>One decoded instruction. <see cref="Operand"/> holds a token, an immediate or a branch
/// displacement (0 for none; the target count for switch); prefixes (tail., constrained., …) are
/// instructions of their own.</summary>
public readonly record struct ILInstruction(int Offset, ILOpCode OpCode, int Size, long Operand);

/// <summary>Basic-block count, back-edges (branch offset → earlier target) and whether a throw/rethrow occurs.</summary>
public sealed record ILFlow(int Blocks, IReadOnlyList<(int From, int To)> BackEdges, bool Throws);

public static class ILScanner
{
    const byte Invalid = 0xFF, Switch = 0xFE;

    // Operand bytes per opcode: one-byte opcodes 0x00–0xFF, two-byte opcodes 0xFE 0x00–0x1E.
    static readonly byte[] OneByte = BuildOneByte();
    static readonly byte[] TwoByte = BuildTwoByte();

    static byte[] BuildOneByte()
    {
        var t = new byte[256];
        Array.Fill(t, Invalid);
        void Set(int from, int to, byte size) { for (int i = from; i <= to; i++) t[i] = size; }
        Set(0x00, 0x0D, 0);   // nop, break, ldarg.0-3, ldloc.0-3, stloc.0-3
        Set(0x0E, 0x13, 1);   // ldarg.s, ldarga.s, starg.s, ldloc.s, ldloca.s, stloc.s
        Set(0x14, 0x1E, 0);   // ldnull, ldc.i4.m1 … ldc.i4.8
        Set(0x1F, 0x1F, 1);   // ldc.i4.s
        Set(0x20, 0x20, 4);   // ldc.i4
        Set(0x21, 0x21, 8);   // ldc.i8
        Set(0x22, 0x22, 4);   // ldc.r4
        Set(0x23, 0x23, 8);   // ldc.r8
        Set(0x25, 0x26, 0);   // dup, pop
        Set(0x27, 0x29, 4);   // jmp, call, calli
        Set(0x2A, 0x2A, 0);   // ret
        Set(0x2B, 0x37, 1);   // br.s … blt.un.s
        Set(0x38, 0x44, 4);   // br … blt.un
        t[0x45] = Switch;
        Set(0x46, 0x6E, 0);   // ldind.*, stind.*, arithmetic, conv.*
        Set(0x6F, 0x75, 4);   // callvirt, cpobj, ldobj, ldstr, newobj, castclass, isinst
        Set(0x76, 0x76, 0);   // conv.r.un
        Set(0x79, 0x79, 4);   // unbox
        Set(0x7A, 0x7A, 0);   // throw
        Set(0x7B, 0x81, 4);   // ldfld, ldflda, stfld, ldsfld, ldsflda, stsfld, stobj
        Set(0x82, 0x8B, 0);   // conv.ovf.*.un
        Set(0x8C, 0x8D, 4);   // box, newarr
        Set(0x8E, 0x8E, 0);   // ldlen
        Set(0x8F, 0x8F, 4);   // ldelema
        Set(0x90, 0xA2, 0);   // ldelem.*, stelem.*
        Set(0xA3, 0xA5, 4);   // ldelem, stelem, unbox.any
        Set(0xB3, 0xBA, 0);   // conv.ovf.*
        Set(0xC2, 0xC2, 4);   // refanyval
        Set(0xC3, 0xC3, 0);   // ckfinite
        Set(0xC6, 0xC6, 4);   // mkrefany
        Set(0xD0, 0xD0, 4);   // ldtoken
        Set(0xD1, 0xDC, 0);   // conv.u2 … endfinally
        Set(0xDD, 0xDD, 4);   // leave
        Set(0xDE, 0xDE, 1);   // leave.s
        Set(0xDF, 0xE0, 0);   // stind.i, conv.u
        return t;
    }

    static byte[] BuildTwoByte()
    {
        var t = new byte[0x1F];
        Array.Fill(t, Invalid);
        void Set(int from, int to, byte size) { for (int i = from; i <= to; i++) t[i] = size; }
        Set(0x00, 0x05, 0);   // arglist, ceq, cgt, cgt.un, clt, clt.un
        Set(0x06, 0x07, 4);   // ldftn, ldvirtftn
        Set(0x09, 0x0E, 2);   // ldarg, ldarga, starg, ldloc, ldloca, stloc
        Set(0x0F, 0x0F, 0);   // localloc
        Set(0x11, 0x11, 0);   // endfilter
        Set(0x12, 0x12, 1);   // unaligned.
        Set(0x13, 0x14, 0);   // volatile., tail.
        Set(0x15, 0x16, 4);   // initobj, constrained.
        Set(0x17, 0x18, 0);   // cpblk, initblk
        Set(0x19, 0x19, 1);   // no.
        Set(0x1A, 0x1A, 0);   // rethrow
        Set(0x1C, 0x1C, 4);   // sizeof
        Set(0x1D, 0x1E, 0);   // refanytype, readonly.
        return t;
    }

    /// <summary>The operand size of an opcode (-1: not a valid opcode; switch reports 4, its count).</summary>
    public static int OperandSize(ILOpCode opCode)
    {
        int v = (int)opCode;
        byte s = v < 0x100 ? OneByte[v] : (v >> 8) == 0xFE && (v & 0xFF) < TwoByte.Length ? TwoByte[v & 0xFF] : Invalid;
        return s == Invalid ? -1 : s == Switch ? 4 : s;
    }

    /// <summary>
    /// Decodes <paramref name="il"/> front to back. Stops at the first undefined opcode or a truncated
    /// operand (<paramref name="complete"/> is then false) and returns what it decoded.
    /// </summary>
    public static List<ILInstruction> Decode(ReadOnlySpan<byte> il, out bool complete)
    {
        var list = new List<ILInstruction>(il.Length / 2);
        int pos = 0;
        complete = false;
        while (pos < il.Length)
        {
            int start = pos;
            int code = il[pos++];
            byte size;
            if (code == 0xFE)
            {
                if (pos >= il.Length) return list;
                int second = il[pos++];
                size = second < TwoByte.Length ? TwoByte[second] : Invalid;
                code = 0xFE00 | second;
            }
            else size = OneByte[code];
            if (size == Invalid) return list;

            long operand = 0;
            if (size == Switch)
            {
                if (pos + 4 > il.Length) return list;
                uint n = BinaryPrimitives.ReadUInt32LittleEndian(il[pos..]);
                if (n > (uint)(il.Length - pos - 4) / 4) return list;
                operand = n;
                pos += 4 + (int)n * 4;
            }
            else
            {
                if (pos + size > il.Length) return list;
                operand = size switch
                {
                    1 => code is 0x1F or (>= 0x2B and <= 0x37) or 0xDE ? (sbyte)il[pos] : il[pos],
                    2 => BinaryPrimitives.ReadUInt16LittleEndian(il[pos..]),
                    4 => BinaryPrimitives.ReadInt32LittleEndian(il[pos..]),
                    8 => BinaryPrimitives.ReadInt64LittleEndian(il[pos..]),
                    _ => 0,
                };
                pos += size;
            }
            list.Add(new ILInstruction(start, (ILOpCode)code, pos - start, operand));
        }
        complete = true;
        return list;
    }

    /// <summary>
    /// The control flow of a decoded body: basic blocks (leaders are offset 0, branch and switch targets, the
    /// instruction after any branch or terminator, and <paramref name="extraLeaders"/> such as EH region starts),
    /// back-edges (a branch to an offset at or before itself: a loop, for structured IL as C# emits it) and
    /// whether the body throws. Offsets outside the body are ignored.
    /// </summary>
    public static ILFlow Flow(ReadOnlySpan<byte> il, IReadOnlyList<ILInstruction> instructions, IEnumerable<int>? extraLeaders = null)
    {
        var starts = new HashSet<int>(instructions.Select(i => i.Offset));
        var leaders = new HashSet<int> { 0 };
        var backEdges = new List<(int From, int To)>();
        bool throws = false;
        void Target(ILInstruction from, int to)
        {
            if (!starts.Contains(to)) return;
            leaders.Add(to);
            if (to <= from.Offset) backEdges.Add((from.Offset, to));
        }
        foreach (var ins in instructions)
        {
            int code = (int)ins.OpCode;
            int next = ins.Offset + ins.Size;
            bool ends = true;
            if (code is >= 0x2B and <= 0x44 or 0xDD or 0xDE) Target(ins, next + (int)ins.Operand);
            else if (code == 0x45)
            {
                int table = ins.Offset + 5;
                for (int k = 0; k < ins.Operand; k++)
                    Target(ins, next + BinaryPrimitives.ReadInt32LittleEndian(il[(table + 4 * k)..]));
            }
            else if (code is 0x7A or 0xFE1A) throws = true;
            else ends = code is 0x2A or 0xDC or 0xFE11 or 0x27;
            if (ends && starts.Contains(next)) leaders.Add(next);
        }
        if (extraLeaders is not null) foreach (var l in extraLeaders) if (starts.Contains(l)) leaders.Add(l);
        return new ILFlow(leaders.Count, backEdges, throws);
    }

    /// <summary>True when <paramref name="offset"/> lies inside a loop: between the target and the source of a back-edge.</summary>
    public static bool InLoop(ILFlow flow, int offset) => flow.BackEdges.Any(e => e.To <= offset && offset <= e.From);

    /// <summary>call, callvirt, newobj and calli instructions, with their own offsets.</summary>
    public static IEnumerable<ILInstruction> Calls(IEnumerable<ILInstruction> instructions) =>
        instructions.Where(i => i.OpCode is ILOpCode.Call or ILOpCode.Callvirt or ILOpCode.Newobj or ILOpCode.Calli);
}
