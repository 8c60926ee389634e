// Checks the opcode walk: operand sizes against the framework's own opcode table, exact call offsets in fixtures, and a cross-check over CoreLib.
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using InlineAdvisor.Metadata;
using InlineAdvisor.Tests.Metadata.Shapes;
using Xunit;
using static InlineAdvisor.Tests.Metadata.MetadataTestSupport;

namespace InlineAdvisor.Tests.Metadata;

public class ILScannerTests
{
    static IEnumerable<OpCode> AllEmitOpCodes() =>
        typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (OpCode)f.GetValue(null)!);

    static int EmitOperandSize(OpCode op) => op.OperandType switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        _ => 4, // InlineSwitch reports its count's size
    };

    [Fact]
    public void OperandSizesMatchTheFrameworkOpcodeTable()
    {
        int checkedCount = 0;
        foreach (var op in AllEmitOpCodes())
        {
            if (op.OpCodeType == OpCodeType.Nternal) continue;
            var code = (ILOpCode)(ushort)op.Value;
            Assert.True(ILScanner.OperandSize(code) == EmitOperandSize(op), $"{op.Name}: {ILScanner.OperandSize(code)} vs {EmitOperandSize(op)}");
            checkedCount++;
        }
        Assert.True(checkedCount > 200);
        Assert.Equal(-1, ILScanner.OperandSize((ILOpCode)0x24));   // unused one-byte code
        Assert.Equal(-1, ILScanner.OperandSize((ILOpCode)0xFE08)); // unused two-byte code
    }

    /// <summary>An independent decoder built on System.Reflection.Emit's opcode table.</summary>
    static List<int> EmitDecodeOffsets(byte[] il, Func<OpCode, bool> keep)
    {
        var one = new Dictionary<byte, OpCode>();
        var two = new Dictionary<byte, OpCode>();
        foreach (var op in AllEmitOpCodes())
        {
            if (op.Size == 1) one[(byte)op.Value] = op;
            else two[(byte)(op.Value & 0xFF)] = op;
        }
        var offsets = new List<int>();
        int pos = 0;
        while (pos < il.Length)
        {
            int start = pos;
            var op = il[pos] == 0xFE ? two[il[pos + 1]] : one[il[pos]];
            pos += op.Size;
            if (op.OperandType == OperandType.InlineSwitch) pos += 4 + 4 * BitConverter.ToInt32(il, pos);
            else pos += EmitOperandSize(op);
            if (keep(op)) offsets.Add(start);
        }
        return offsets;
    }

    static bool IsCall(OpCode op) => op == OpCodes.Call || op == OpCodes.Callvirt || op == OpCodes.Newobj || op == OpCodes.Calli;

    [Fact]
    public void AgreesWithAnIndependentDecoderOnEveryCoreLibAndTestMethod()
    {
        int methods = 0;
        foreach (var path in new[] { typeof(object).Assembly.Location, typeof(ILScannerTests).Assembly.Location })
        {
            var asm = Catalog.Open(path)!;
            foreach (var h in asm.Reader.MethodDefinitions)
            {
                int token = System.Reflection.Metadata.Ecma335.MetadataTokens.GetToken(h);
                var il = asm.GetIL(token);
                if (il is null) continue;
                var decoded = ILScanner.Decode(il, out bool complete);
                Assert.True(complete);
                Assert.Equal(il.Length, decoded.Sum(i => i.Size));
                var expected = EmitDecodeOffsets(il, IsCall);
                Assert.Equal(expected, asm.GetCallSites(token).Select(s => s.IlOffset).ToList());
                methods++;
            }
        }
        Assert.True(methods > 20000, $"{methods} methods");
    }

    [Fact]
    public void StopsAtAnUndefinedOpcodeOrTruncatedOperand()
    {
        var list = ILScanner.Decode(new byte[] { 0x00, 0x28, 0x01, 0x00 }, out bool complete); // call with 2 of 4 token bytes
        Assert.False(complete);
        Assert.Single(list);
        list = ILScanner.Decode(new byte[] { 0x00, 0x24, 0x00 }, out complete);
        Assert.False(complete);
        Assert.Single(list);
        list = ILScanner.Decode(new byte[] { 0x45, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2A }, out complete);
        Assert.True(complete);
        Assert.Equal(new[] { 0, 13 }, list.Select(i => i.Offset));
        Assert.Equal(2, list[0].Operand);
    }

    static IReadOnlyList<ILCallSite> Sites(Type type, string method) => Self.GetCallSites(Method(type, method).MetadataToken);

    /// <summary>Asserts, from the raw IL bytes reflection returns, that the offset holds the opcode and
    /// a token that resolves to the named method.</summary>
    static void AssertRawCall(MethodInfo caller, int offset, byte opcode, string calleeName)
    {
        var il = caller.GetMethodBody()!.GetILAsByteArray()!;
        Assert.Equal(opcode, il[offset]);
        int token = BitConverter.ToInt32(il, offset + 1);
        var callee = caller.Module.ResolveMethod(token, caller.DeclaringType!.GetGenericArguments(), caller.GetGenericArguments())!;
        Assert.Equal(calleeName, callee.Name);
    }

    // Hand-decoded (expression bodies give identical IL in Debug and Release):
    //   0 ldarg.0 | 1 call Helper | 6 ldarg.0 | 7 call Hot | 12 add | 13 ret
    [Fact]
    public void TwoCallsHasSitesAtOneAndSeven()
    {
        var sites = Sites(typeof(CallSiteFixtures), nameof(CallSiteFixtures.TwoCalls));
        Assert.Equal(new[] { 1, 7 }, sites.Select(s => s.IlOffset));
        Assert.Equal(new[] { "Helper", "Hot" }, sites.Select(s => s.Callee!.Name));
        Assert.All(sites, s => { Assert.Equal(CallKind.Call, s.Kind); Assert.False(s.IsVirtual); Assert.True(s.CalleeResolved); });
        Assert.Equal("InlineAdvisor.Tests.Metadata.Shapes.CallSiteFixtures", sites[0].Callee!.Type);
        Assert.Equal("int32  (int32)", sites[0].Callee!.Signature);
        Assert.Equal("InlineAdvisor.Tests", sites[0].Callee!.Assembly);
        var m = Method(typeof(CallSiteFixtures), nameof(CallSiteFixtures.TwoCalls));
        AssertRawCall(m, 1, 0x28, "Helper");
        AssertRawCall(m, 7, 0x28, "Hot");
        Assert.Equal(14, Self.GetMethod(m.MetadataToken)!.IlSize);
        Assert.Equal(m.GetMethodBody()!.GetILAsByteArray()!.Length, Self.GetMethod(m.MetadataToken)!.IlSize);
    }

    //   0 ldarg.0 | 1 callvirt Animal::Speak | 6 ldarg.0 | 7 callvirt Animal::Legs | 12 add
    //   13 newobj Dog::.ctor | 18 callvirt Animal::Speak | 23 add | 24 ret
    [Fact]
    public void VirtualsDistinguishVirtualDispatchFromNullCheckingCallvirt()
    {
        var sites = Sites(typeof(CallSiteFixtures), nameof(CallSiteFixtures.Virtuals));
        Assert.Equal(new[] { 1, 7, 13, 18 }, sites.Select(s => s.IlOffset));
        Assert.Equal(new[] { CallKind.CallVirt, CallKind.CallVirt, CallKind.NewObj, CallKind.CallVirt }, sites.Select(s => s.Kind));
        Assert.Equal(new[] { true, false, false, true }, sites.Select(s => s.IsVirtual));
        Assert.Equal("InlineAdvisor.Tests.Metadata.Shapes.Dog", sites[2].Callee!.Type);
        Assert.Equal(".ctor", sites[2].Callee!.Name);
        var m = Method(typeof(CallSiteFixtures), nameof(CallSiteFixtures.Virtuals));
        AssertRawCall(m, 1, 0x6F, "Speak");
        AssertRawCall(m, 7, 0x6F, "Legs");
        AssertRawCall(m, 13, 0x73, ".ctor");
        AssertRawCall(m, 18, 0x6F, "Speak");
    }

    //   0 ldarg.0 | 1 callvirt List`1<int32>::get_Count | 6 ldarg.1 | 7 callvirt Box`1<string>::Get
    //   12 callvirt String::get_Length | 17 add | 18 ldc.i4.3 | 19 call Calls::Id<int32> | 24 add | 25 ret
    [Fact]
    public void GenericTargetsNameTheDefinitionAndTheDefiningAssembly()
    {
        var sites = Sites(typeof(CallSiteFixtures), nameof(CallSiteFixtures.Generic));
        Assert.Equal(new[] { 1, 7, 12, 19 }, sites.Select(s => s.IlOffset));
        var count = sites[0].Callee!;
        Assert.Equal(new InlineAdvisor.Core.MethodIdentity("System.Private.CoreLib", "System.Collections.Generic.List`1", "get_Count", "instance int32  ()"), count);
        Assert.True(sites[0].CalleeResolved); // System.Collections (reference) → System.Private.CoreLib via the forwarder chain
        Assert.False(sites[0].IsVirtual);
        Assert.Equal(new InlineAdvisor.Core.MethodIdentity("InlineAdvisor.Tests", "InlineAdvisor.Tests.Metadata.Shapes.Box`1", "Get", "instance !0  ()"), sites[1].Callee);
        Assert.False(sites[1].IsVirtual);
        Assert.Equal(new InlineAdvisor.Core.MethodIdentity("System.Private.CoreLib", "System.String", "get_Length", "instance int32  ()"), sites[2].Callee);
        Assert.Equal(new InlineAdvisor.Core.MethodIdentity("InlineAdvisor.Tests", "InlineAdvisor.Tests.Metadata.Shapes.Calls", "Id", "generic !!0  (!!0)"), sites[3].Callee);
        var m = Method(typeof(CallSiteFixtures), nameof(CallSiteFixtures.Generic));
        AssertRawCall(m, 1, 0x6F, "get_Count");
        AssertRawCall(m, 7, 0x6F, "Get");
        AssertRawCall(m, 12, 0x6F, "get_Length");
        AssertRawCall(m, 19, 0x28, "Id");
    }

    //   0 ldarga.s 0 | 2 constrained. !!0 | 8 callvirt Object::ToString | 13 ret
    [Fact]
    public void ConstrainedCallReportsTheCallOpcodeNotThePrefix()
    {
        var m = Method(typeof(CallSiteFixtures), nameof(CallSiteFixtures.Constrained));
        var site = Assert.Single(Self.GetCallSites(m.MetadataToken));
        Assert.Equal(8, site.IlOffset);
        Assert.Equal(new InlineAdvisor.Core.MethodIdentity("System.Private.CoreLib", "System.Object", "ToString", "instance class System.String  ()"), site.Callee);
        Assert.True(site.IsVirtual);
        var il = m.GetMethodBody()!.GetILAsByteArray()!;
        Assert.Equal(new byte[] { 0xFE, 0x16 }, il[2..4]);
        AssertRawCall(m, 8, 0x6F, "ToString");
    }

    [Fact]
    public void CalliIsMarkedIndirect()
    {
        var m = Method(typeof(CallSiteFixtures), nameof(CallSiteFixtures.Indirect));
        var site = Assert.Single(Self.GetCallSites(m.MetadataToken));
        Assert.True(site.IsIndirect);
        Assert.Null(site.Callee);
        var il = m.GetMethodBody()!.GetILAsByteArray()!;
        Assert.Equal(0x29, il[site.IlOffset]);
        Assert.Equal(0x11, site.CalleeToken >> 24); // StandAloneSig
    }

    [Fact]
    public void SwitchAndWideOperandsKeepOffsetsAligned()
    {
        var m = Method(typeof(CallSiteFixtures), nameof(CallSiteFixtures.Switchy));
        var il = m.GetMethodBody()!.GetILAsByteArray()!;
        var decoded = ILScanner.Decode(il, out bool complete);
        Assert.True(complete);
        Assert.Contains(decoded, i => i.OpCode == ILOpCode.Switch && i.Operand == 3);
        Assert.Contains(decoded, i => i.OpCode == ILOpCode.Ldc_i8 && i.Operand == 0x1122334455667788L);
        Assert.Contains(decoded, i => i.OpCode == ILOpCode.Ldc_r8);
        var sites = Self.GetCallSites(m.MetadataToken);
        Assert.Equal(new[] { "Helper", "Helper", "Plain", "Hot" }, sites.Select(s => s.Callee!.Name));
        foreach (var s in sites) AssertRawCall(m, s.IlOffset, 0x28, s.Callee!.Name);
        Assert.Equal(EmitDecodeOffsets(il, IsCall), sites.Select(s => s.IlOffset));
    }
}
