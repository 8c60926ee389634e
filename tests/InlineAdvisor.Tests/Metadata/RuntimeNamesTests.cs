// Checks that both printers of runtime names (metadata's RuntimeNames, source's RuntimeSignature) give exactly the strings
// the runtime printed in real traces, and that IL call sites join inlining events.
using InlineAdvisor.Core;
using InlineAdvisor.Metadata;
using InlineAdvisor.Tests.Metadata.Shapes;
using Xunit;
using static InlineAdvisor.Tests.Metadata.MetadataTestSupport;

namespace InlineAdvisor.Tests.Metadata;

public class RuntimeNamesTests
{
    public static TheoryData<string> Printers => new(RuntimeNamePrinters.All);

    /// <summary>The one oracle for every printer: each recorded MethodLoadVerbose names exactly one declaration, printed
    /// with the event's own strings. The source printer sees every record but the compiler-generated members.</summary>
    [Theory]
    [MemberData(nameof(Printers))]
    public void EveryObservedMethodLoadFindsItsDefinitionWithIdenticalStrings(string printer)
    {
        var self = Self;
        Assert.True(ObservedRuntimeNames.Loads.Length > 100);
        int checkedLoads = 0;
        foreach (var (ns, name, sig) in ObservedRuntimeNames.Loads)
        {
            var printed = RuntimeNamePrinters.Printed(printer, ns, name, sig);
            if (printed is null) continue;
            checkedLoads++;
            Assert.True(printed.Count > 0, $"not found: {ns} {name} {sig}" +
                (printer == RuntimeNamePrinters.Source ? $" (source prints: {RuntimeNamePrinters.SourceOverloads(RuntimeNames.NormalizeTypeName(ns), name)})" : ""));
            var m = Assert.Single(printed);
            Assert.Equal(RuntimeNames.FromEvent(ns, name, sig, self.Name), m);
            Assert.Equal(sig, m.Signature);
            Assert.Equal(RuntimeNames.NormalizeTypeName(ns), m.Type);
        }
        Assert.True(checkedLoads > 70, $"{printer}: {checkedLoads} records checked");
    }

    public static TheoryData<Type, string, string, string> Shapes => new()
    {
        // shape → (type, signature) exactly as MethodLoadVerbose printed them
        { typeof(Point), "Sum", "InlineAdvisor.Tests.Metadata.Shapes.Point", "instance int32  ()" },
        { typeof(Point), "op_Addition", "InlineAdvisor.Tests.Metadata.Shapes.Point", "value class InlineAdvisor.Tests.Metadata.Shapes.Point  (value class InlineAdvisor.Tests.Metadata.Shapes.Point,value class InlineAdvisor.Tests.Metadata.Shapes.Point)" },
        { typeof(Point), "set_Prop", "InlineAdvisor.Tests.Metadata.Shapes.Point", "instance required_modifier System.Runtime.CompilerServices.IsExternalInit void  (int32)" },
        { typeof(Sq), "Static", "InlineAdvisor.Tests.Metadata.Shapes.Sq", "int32  (int32,int64,int16,unsigned int8,int8,unsigned int16,unsigned int32,unsigned int64,wchar,bool,float32,float64,int,unsigned int,class System.Object,class System.String,value class System.Decimal)" },
        { typeof(Box<>), "Conv", "InlineAdvisor.Tests.Metadata.Shapes.Box`1", "instance generic !!0  (!!0,!0)" },
        { typeof(Box<>), "SGet", "InlineAdvisor.Tests.Metadata.Shapes.Box`1", "!0  (class InlineAdvisor.Tests.Metadata.Shapes.Box`1<!0>)" },
        { typeof(Box<>), "VIn", "InlineAdvisor.Tests.Metadata.Shapes.Box`1", "instance int32  (required_modifier System.Runtime.InteropServices.InAttribute int32&,required_modifier System.Runtime.InteropServices.InAttribute !0&)" },
        { typeof(Outer.Inner.Deeper), "D", "InlineAdvisor.Tests.Metadata.Shapes.Outer+Inner+Deeper", "int32  (class Deeper,class Inner)" },
        { typeof(Outer2<>.In<>), "G", "InlineAdvisor.Tests.Metadata.Shapes.Outer2`1+In`1", "instance int32  (!0,!1,class In`1<!0,!1>)" },
        { typeof(Calls), "Refs", "InlineAdvisor.Tests.Metadata.Shapes.Calls", "int32  (int32&,int32&,int32&,value class InlineAdvisor.Tests.Metadata.Shapes.Point&,value class InlineAdvisor.Tests.Metadata.Shapes.Point&,class System.String&)" },
        { typeof(Calls), "RoRefRet", "InlineAdvisor.Tests.Metadata.Shapes.Calls", "required_modifier System.Runtime.InteropServices.InAttribute int32&  (int32&)" },
        { typeof(Calls), "Arrays", "InlineAdvisor.Tests.Metadata.Shapes.Calls", "int32  (int32[],int32[,],int32[][],class System.String[,,],value class InlineAdvisor.Tests.Metadata.Shapes.Point[],class System.Collections.Generic.List`1<int32>[],int32[,][])" },
        { typeof(Calls), "Ptrs", "InlineAdvisor.Tests.Metadata.Shapes.Calls", "int32  (int32*,void*,unsigned int8**,value class InlineAdvisor.Tests.Metadata.Shapes.Point*,int32*[],int32*&)" },
        { typeof(Calls), "FnPtr", "InlineAdvisor.Tests.Metadata.Shapes.Calls", "int32  (fnptr int32(int32),fnptr void(int32),fnptr unmanaged cdecl int64(int32&))" },
        { typeof(Calls), "FnPtrMods", "InlineAdvisor.Tests.Metadata.Shapes.Calls", "int32  (fnptr optional_modifier System.Runtime.CompilerServices.CallConvStdcall optional_modifier System.Runtime.CompilerServices.CallConvSuppressGCTransition void(int32),fnptr int32(optional_modifier System.Runtime.CompilerServices.RequiresLocationAttribute int32&))" },
        { typeof(Calls), "Vt", "InlineAdvisor.Tests.Metadata.Shapes.Calls", "int32  (value class System.DateTime,value class System.Span`1<int32>,value class System.ReadOnlySpan`1<wchar>,value class System.Nullable`1<int32>,value class System.ValueTuple`2<int32,class System.String>,value class InlineAdvisor.Tests.Metadata.Shapes.Color,value class System.Guid,refany)" },
        { typeof(Calls), "Nested", "InlineAdvisor.Tests.Metadata.Shapes.Calls", "int32  (class Inner,class Deeper,class GIn`1<int32>,class In`1<class System.String,int32>,value class Enumerator<int32,class System.String>)" },
        { typeof(Calls), "Pair", "InlineAdvisor.Tests.Metadata.Shapes.Calls", "generic value class System.Collections.Generic.KeyValuePair`2<!!0,!!1>  (!!0,!!1,value class T2`1<!!0>)" },
        { typeof(Calls), "GenArgs", "InlineAdvisor.Tests.Metadata.Shapes.Calls", "generic int32  (!!0[],class System.Collections.Generic.List`1<!!0>,!!0&,class InlineAdvisor.Tests.Metadata.Shapes.Box`1<!!0>,!!0[,])" },
        // Not observable on Unix (varargs unsupported): derived from the runtime's printer (callconv 5 → "vararg ").
        { typeof(Calls), "VarArgs", "InlineAdvisor.Tests.Metadata.Shapes.Calls", "vararg int32  (int32)" },
    };

    /// <summary>Every shape for every printer (the vararg row too, which no trace on Unix can show).</summary>
    public static TheoryData<string, Type, string, string, string> ShapesByPrinter()
    {
        var data = new TheoryData<string, Type, string, string, string>();
        foreach (var printer in RuntimeNamePrinters.All)
            foreach (var row in Shapes)
                data.Add(printer, (Type)row[0], (string)row[1], (string)row[2], (string)row[3]);
        return data;
    }

    [Theory]
    [MemberData(nameof(ShapesByPrinter))]
    public void FormatsShapesAsTheRuntimePrintsThem(string printer, Type type, string method, string expectedType, string expectedSignature)
    {
        if (printer == RuntimeNamePrinters.Source)
        {
            var printed = RuntimeNamePrinters.Printed(printer, expectedType, method, expectedSignature)!;
            Assert.True(printed.Count == 1, $"source prints: {RuntimeNamePrinters.SourceOverloads(expectedType, method)}");
            Assert.Equal(expectedSignature, printed[0].Signature);
            return;
        }
        var m = Self.GetMethod(Method(type, method).MetadataToken)!;
        Assert.Equal(expectedType, m.Identity.Type);
        Assert.Equal(method, m.Identity.Name);
        Assert.Equal(expectedSignature, m.Identity.Signature);
        Assert.Equal("InlineAdvisor.Tests", m.Identity.Assembly);
    }

    [Theory]
    [InlineData("Hasher", "Hasher")]
    [InlineData("Ns.Box`1[System.Int32]", "Ns.Box`1")]
    [InlineData("Ns.Box`1[System.__Canon]", "Ns.Box`1")]
    [InlineData("Ns.Box`1[System.Collections.Generic.KeyValuePair`2[System.Int32,System.Int32]]", "Ns.Box`1")]
    [InlineData("Ns.Outer2`1+In`1[System.Int32,System.__Canon]", "Ns.Outer2`1+In`1")]
    [InlineData("System.Collections.Generic.Dictionary`2+Enumerator[System.Int32,System.__Canon]", "System.Collections.Generic.Dictionary`2+Enumerator")]
    [InlineData("System.Runtime.CompilerServices.AsyncTaskMethodBuilder`1+AsyncStateMachineBox`1[System.Int32,Ns.C+<Async>d__3]", "System.Runtime.CompilerServices.AsyncTaskMethodBuilder`1+AsyncStateMachineBox`1")]
    [InlineData("System.Int32[,]", "System.Int32[,]")]
    [InlineData("System.Int32[]", "System.Int32[]")]
    [InlineData("Ns.Odd\\[x\\]", "Ns.Odd\\[x\\]")]
    public void NormalizesEventTypeNamesToTheGenericDefinition(string eventType, string expected) =>
        Assert.Equal(expected, RuntimeNames.NormalizeTypeName(eventType));

    [Fact]
    public void InstantiationsShareOneIdentity()
    {
        var a = RuntimeNames.FromEvent("Ns.Box`1[System.Int32]", "Get", "instance !0  ()");
        var b = RuntimeNames.FromEvent("Ns.Box`1[System.__Canon]", "Get", "instance !0  ()");
        Assert.Equal(a, b);
        Assert.Equal("Ns.Box`1::Getinstance !0  ()", a.NameKey);
    }

    /// <summary>
    /// The join this module exists for. Observed: an event's inliner is not always the IL caller of its
    /// inlinee. Decisions taken while importing an inlinee name that inlinee as inliner (e.g. FAIL
    /// TwoCalls → Helper, compiled RunAll); decisions taken in the root's inlining pass name the root
    /// (e.g. OK RunAll → Hot, though Hot is called by TwoCalls, itself inlined into RunAll). So the
    /// inlinee must be an IL call site of the inliner or of a method inlined into it (transitively) —
    /// or, when the JIT devirtualized the call, the IL site names a slot the inlinee implements.
    /// </summary>
    [Fact]
    public void InliningEventsJoinIlCallSitesOfTheInlinerOrItsInlinees()
    {
        var pool = new[] { Self, Catalog.Open(typeof(object).Assembly.Location)! };
        (ManagedAssembly Asm, MethodEntry Method)? Find(MethodIdentity id)
        {
            foreach (var asm in pool)
                if (asm.FindMethod(id)?.Method is { } m) return (asm, m);
            return null;
        }
        var rows = ObservedRuntimeNames.Inlines.Where(r => r.InlineeName != "<null>").ToList(); // "<null>": calli target
        var inlinedInto = rows.Where(r => r.Outcome == "OK")
            .GroupBy(r => RuntimeNames.FromEvent(r.InlinerNamespace, r.InlinerName, r.InlinerSignature).NameKey)
            .ToDictionary(g => g.Key, g => g.Select(r => RuntimeNames.FromEvent(r.InlineeNamespace, r.InlineeName, r.InlineeSignature)).ToList());

        HashSet<string> Reachable(MethodIdentity root)
        {
            var callees = new HashSet<string>();
            var seen = new HashSet<string>();
            var work = new Stack<MethodIdentity>([root]);
            while (work.Count > 0)
            {
                var m = work.Pop();
                if (!seen.Add(m.NameKey)) continue;
                if (Find(m) is { } found)
                    foreach (var site in found.Asm.GetCallSites(found.Method.Token))
                        if (site.Callee is not null) callees.Add(site.Callee.NameKey);
                foreach (var inner in inlinedInto.GetValueOrDefault(m.NameKey) ?? []) work.Push(inner);
            }
            return callees;
        }

        // Calls the JIT itself introduces (delegate construction), with no IL call anywhere.
        string[] jitIntroduced = ["System.MulticastDelegate::CtorClosed", "System.MulticastDelegate::CtorOpened",
                                  "System.MulticastDelegate::ThrowNullThisInDelegateToInstance"];
        int joined = 0, direct = 0, devirtualized = 0;
        var unjoined = new List<string>();
        foreach (var row in rows)
        {
            var inliner = RuntimeNames.FromEvent(row.InlinerNamespace, row.InlinerName, row.InlinerSignature);
            var inlinee = RuntimeNames.FromEvent(row.InlineeNamespace, row.InlineeName, row.InlineeSignature);
            Assert.True(Find(inliner) is not null, $"inliner not found: {inliner}");
            if (jitIntroduced.Any(j => inlinee.NameKey.StartsWith(j))) continue;
            var reachable = Reachable(inliner);
            if (reachable.Contains(inlinee.NameKey)) joined++;
            else if (Find(inlinee) is { } impl && impl.Asm.GetImplementedSlots(impl.Method.Token).Any(slot => reachable.Contains(slot.NameKey)))
                devirtualized++;
            else unjoined.Add($"{row.Outcome} {inliner} -> {inlinee}");
            var f = Find(inliner)!.Value;
            if (f.Asm.GetCallSites(f.Method.Token).Any(s => s.Callee?.NameKey == inlinee.NameKey)) direct++;
        }
        Assert.True(unjoined.Count == 0, string.Join("\n", unjoined));
        Assert.True(joined > 150, $"{joined} joined");
        Assert.True(direct < joined, "expected some nested inlines reported under the root");
        Assert.True(devirtualized >= 4, $"{devirtualized} devirtualized"); // IGen<int>.M, IGen<string>.M, IShape.Dflt, IComparable<S>.CompareTo, …
    }

    [Fact]
    public void NestedSuccessIsReportedUnderTheRootAndNestedRefusalUnderTheInlinee()
    {
        const string F = "InlineAdvisor.Tests.Metadata.Shapes.CallSiteFixtures";
        Assert.Contains(ObservedRuntimeNames.Inlines, r => r is ("OK", F, "RunAll", _, F, "Hot", _, _));
        Assert.Contains(ObservedRuntimeNames.Inlines, r => r is ("FAIL", F, "TwoCalls", _, F, "Helper", _, "noinline per IL/cached result"));
        Assert.DoesNotContain(ObservedRuntimeNames.Inlines, r => r is (_, F, "TwoCalls", _, F, "Hot", _, _));
        var runAll = Self.GetMethod(Method(typeof(CallSiteFixtures), nameof(CallSiteFixtures.RunAll)).MetadataToken)!;
        Assert.DoesNotContain(Self.GetCallSites(runAll.Token), s => s.Callee?.Name == "Hot");
    }

    [Theory]
    [InlineData("InlineAdvisor.Tests.Metadata.Shapes.Calls", "Caller", "InlineAdvisor.Tests.Metadata.Shapes.Box`1[System.Int32]", "InlGet")]
    [InlineData("InlineAdvisor.Tests.Metadata.Shapes.Calls", "Caller", "InlineAdvisor.Tests.Metadata.Shapes.Box`1[System.__Canon]", "InlGet")]
    [InlineData("InlineAdvisor.Tests.Metadata.Shapes.Calls", "Caller", "InlineAdvisor.Tests.Metadata.Shapes.Calls", "InlGen")]
    [InlineData("InlineAdvisor.Tests.Metadata.Shapes.Calls", "Caller", "InlineAdvisor.Tests.Metadata.Shapes.Calls", "Forced")]
    [InlineData("InlineAdvisor.Tests.Metadata.Shapes.Calls", "Caller", "InlineAdvisor.Tests.Metadata.Shapes.Calls", "<Caller>g__l|23_0")]
    [InlineData("InlineAdvisor.Tests.Metadata.Shapes.CallSiteFixtures", "TwoCalls", "InlineAdvisor.Tests.Metadata.Shapes.CallSiteFixtures", "Helper")]
    [InlineData("InlineAdvisor.Tests.Metadata.Shapes.Calls", "Caller", "InlineAdvisor.Tests.Metadata.Shapes.Sq", "Area")]
    [InlineData("InlineAdvisor.Tests.Metadata.Shapes.Box`1[System.Int32]", "CallsInl", "InlineAdvisor.Tests.Metadata.Shapes.Box`1[System.Int32]", "InlGet")]
    public void SpecificObservedInlinesJoin(string inlinerType, string inlinerName, string inlineeType, string inlineeName)
    {
        var row = ObservedRuntimeNames.Inlines.First(r => r.InlinerNamespace == inlinerType && r.InlinerName == inlinerName
                                                          && r.InlineeNamespace == inlineeType && r.InlineeName == inlineeName);
        var inliner = Self.FindMethod(row.InlinerNamespace, row.InlinerName, row.InlinerSignature)!.Method!;
        var expected = RuntimeNames.FromEvent(row.InlineeNamespace, row.InlineeName, row.InlineeSignature, "InlineAdvisor.Tests");
        Assert.Contains(Self.GetCallSites(inliner.Token), s => s.Callee == expected);
    }
}
