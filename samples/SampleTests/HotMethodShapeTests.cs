// The cases are only useful if their hot methods keep the shapes the README promises (IL sizes, attributes),
// because the advisor's tests assert on what the JIT does with exactly these methods.
using System.Reflection;
using System.Runtime.CompilerServices;
using InlineSamples;
using Xunit;

namespace SampleTests;

public class HotMethodShapeTests
{
    private static MethodInfo M(Type t, string name) =>
        t.GetMethod(name, BindingFlags.Public | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly)!;

    private static int IlSize(MethodInfo m) => m.GetMethodBody()!.GetILAsByteArray()!.Length;

    [Fact]
    public void Hot_callees_have_the_documented_sizes_and_attributes()
    {
        var mix = M(typeof(ByteHasher), nameof(ByteHasher.Mix));
        Assert.True(mix.MethodImplementationFlags.HasFlag(MethodImplAttributes.AggressiveInlining));
        Assert.InRange(IlSize(mix), 60, 120);

        var score = M(typeof(PacketScorer), nameof(PacketScorer.Score));
        Assert.Equal(MethodImplAttributes.IL, score.MethodImplementationFlags);  // no attribute
        Assert.InRange(IlSize(score), 150, 250);  // above the non-PGO IL-size limit: "too many il bytes"

        var check = M(typeof(ArgChecks), nameof(ArgChecks.CheckWindow));
        Assert.Equal(MethodImplAttributes.IL, check.MethodImplementationFlags);  // inlinable: the JIT decides
        Assert.InRange(IlSize(check), 17, 100);

        var add = M(typeof(GrowableIntList), nameof(GrowableIntList.Add));
        Assert.Equal(MethodImplAttributes.IL, add.MethodImplementationFlags);  // fast and slow path still in one method
        Assert.InRange(IlSize(add), 100, 250);

        Assert.True(M(typeof(GenericFolder), nameof(GenericFolder.Fold)).IsGenericMethodDefinition);
        Assert.Equal(3, typeof(IPricer).Assembly.GetTypes().Count(t => t.IsClass && typeof(IPricer).IsAssignableFrom(t)));

        // The screening sample: the needless NoInlining, the tiny forced helper, the clamp the JIT inlines on its own.
        Assert.True(M(typeof(Pipeline), nameof(Pipeline.Scale)).MethodImplementationFlags.HasFlag(MethodImplAttributes.NoInlining));
        Assert.True(M(typeof(Pipeline), nameof(Pipeline.Rotate)).MethodImplementationFlags.HasFlag(MethodImplAttributes.AggressiveInlining));
        Assert.Equal(MethodImplAttributes.IL, M(typeof(Pipeline), nameof(Pipeline.Clamp)).MethodImplementationFlags);

        // The helper really validates: bad input throws (the case runs never pass any, so this path stays cold).
        Assert.Throws<ArgumentOutOfRangeException>(() => ArgChecks.CheckWindow(new int[4], 2, 3));
    }
}
