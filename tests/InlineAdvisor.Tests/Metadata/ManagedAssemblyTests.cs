// Checks per-assembly lookups: tokens, event-string lookups (missing / ambiguous), IL sizes, MethodImpl flags and implemented slots.
using InlineAdvisor.Core;
using InlineAdvisor.Metadata;
using InlineAdvisor.Tests.Metadata.Shapes;
using Xunit;
using static InlineAdvisor.Tests.Metadata.MetadataTestSupport;

namespace InlineAdvisor.Tests.Metadata;

public class ManagedAssemblyTests
{
    [Fact]
    public void KnowsItsSimpleNameAndMvid()
    {
        Assert.Equal("InlineAdvisor.Tests", Self.Name);
        Assert.Equal(typeof(ManagedAssemblyTests).Module.ModuleVersionId, Self.Mvid);
        Assert.False(Self.IsSharedFramework);
    }

    [Fact]
    public void ReadsMethodImplFlags()
    {
        var hot = Self.GetMethod(Method(typeof(CallSiteFixtures), nameof(CallSiteFixtures.Hot)).MetadataToken)!;
        var helper = Self.GetMethod(Method(typeof(CallSiteFixtures), nameof(CallSiteFixtures.Helper)).MetadataToken)!;
        var plain = Self.GetMethod(Method(typeof(CallSiteFixtures), nameof(CallSiteFixtures.Plain)).MetadataToken)!;
        var both = Self.GetMethod(Method(typeof(LookupFixtures), nameof(LookupFixtures.Both)).MetadataToken)!;
        Assert.Equal((MethodImplFlags)0x100, hot.ImplFlags);
        Assert.Equal((MethodImplFlags)0x8, helper.ImplFlags);
        Assert.Equal(MethodImplFlags.None, plain.ImplFlags);
        Assert.Equal(MethodImplFlags.AggressiveInlining | MethodImplFlags.AggressiveOptimization, both.ImplFlags);
        Assert.Equal("AggressiveInlining", MethodImplFlagsText.Describe(hot.ImplFlags));
        // Agrees with reflection's view of the same row.
        Assert.Equal((ushort)Method(typeof(CallSiteFixtures), nameof(CallSiteFixtures.Helper)).MethodImplementationFlags, (ushort)helper.ImplFlags);
    }

    [Fact]
    public void IlSizeMatchesReflectionForEveryFixtureMethod()
    {
        foreach (var type in new[] { typeof(CallSiteFixtures), typeof(Calls), typeof(Box<>), typeof(Point) })
            foreach (var m in type.GetMethods(System.Reflection.BindingFlags.DeclaredOnly | System.Reflection.BindingFlags.Public |
                                              System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.Instance))
            {
                var entry = Self.GetMethod(m.MetadataToken)!;
                Assert.Equal(m.MetadataToken, entry.Token);
                Assert.Equal(m.GetMethodBody()?.GetILAsByteArray()?.Length ?? -1, entry.IlSize);
            }
        var abstractMethod = Self.GetMethod(Method(typeof(LookupFixtures.Base), nameof(LookupFixtures.Base.Abstract)).MetadataToken)!;
        Assert.Equal(-1, abstractMethod.IlSize);
        Assert.Empty(Self.GetCallSites(abstractMethod.Token));
    }

    [Fact]
    public void FindsByEventStringsAndReportsMissingAndAmbiguous()
    {
        var found = Self.FindMethod("InlineAdvisor.Tests.Metadata.Shapes.Box`1[System.__Canon]", "Get", "instance !0  ()");
        Assert.NotNull(found);
        Assert.False(found!.IsAmbiguous);
        Assert.Equal(Method(typeof(Box<>), "Get").MetadataToken, found.Method!.Token);

        Assert.Null(Self.FindMethod("InlineAdvisor.Tests.Metadata.Shapes.Box`1", "Get", "instance int32  ()")); // wrong signature
        Assert.Null(Self.FindMethod("InlineAdvisor.Tests.Metadata.Shapes.Nope", "Get", "instance !0  ()"));

        var amb = Self.FindMethod("InlineAdvisor.Tests.Metadata.LookupFixtures", "Amb", "generic int32  (!!0)");
        Assert.NotNull(amb);
        Assert.True(amb!.IsAmbiguous);
        Assert.Equal(2, amb.Candidates.Count);
        Assert.Null(amb.Method);
    }

    [Fact]
    public void RejectsTokensThatAreNotMethodDefinitions()
    {
        Assert.Null(Self.GetMethod(0));
        Assert.Null(Self.GetMethod(0x02000001));                    // a TypeDef
        Assert.Null(Self.GetMethod(0x06FFFFFF));                    // beyond the table
        Assert.Empty(Self.GetCallSites(0x06FFFFFF));
        Assert.Null(Self.GetSourceLocation(0x06FFFFFF, 0));
    }

    [Fact]
    public void ListsEveryMethodOnce()
    {
        var all = Self.Methods.ToList();
        Assert.Equal(Self.Reader.MethodDefinitions.Count, all.Count);
        Assert.Equal(all.Count, all.Select(m => m.Token).Distinct().Count());
    }

    [Fact]
    public void ImplementedSlotsCoverExplicitImplicitAndOverride()
    {
        MethodIdentity[] Slots(Type t, string name) =>
            Self.GetImplementedSlots(Method(t, name).MetadataToken).ToArray();

        // implicit implementation of a generic interface declared in another assembly (via System.Runtime's forwarder)
        Assert.Equal([new MethodIdentity("System.Private.CoreLib", "System.IComparable`1", "CompareTo", "instance int32  (!0)")],
            Slots(typeof(S), nameof(S.CompareTo)));
        // explicit implementation (MethodImpl row) of an instantiated interface
        Assert.Equal([new MethodIdentity("InlineAdvisor.Tests", "InlineAdvisor.Tests.Metadata.Shapes.IGen`1", "M", "instance int32  (!0)")],
            Slots(typeof(Impl), "InlineAdvisor.Tests.Metadata.Shapes.IGen<System.Int32>.M"));
        // override of a base-class virtual
        Assert.Equal([new MethodIdentity("InlineAdvisor.Tests", "InlineAdvisor.Tests.Metadata.Shapes.Animal", "Speak", "instance int32  ()")],
            Slots(typeof(Dog), nameof(Dog.Speak)));
        // default interface method implemented explicitly
        Assert.Equal([new MethodIdentity("InlineAdvisor.Tests", "InlineAdvisor.Tests.Metadata.Shapes.IShape", "Dflt", "instance int32  ()")],
            Slots(typeof(Sq), "InlineAdvisor.Tests.Metadata.Shapes.IShape.Dflt"));
        // a struct's ToString overrides ValueType's, which overrides Object's (the slot's origin)
        Assert.Equal([new MethodIdentity("System.Private.CoreLib", "System.ValueType", "ToString", "instance class System.String  ()"),
                      new MethodIdentity("System.Private.CoreLib", "System.Object", "ToString", "instance class System.String  ()")],
            Slots(typeof(S), nameof(S.ToString)));
        Assert.Empty(Slots(typeof(CallSiteFixtures), nameof(CallSiteFixtures.Helper)));
    }
}
