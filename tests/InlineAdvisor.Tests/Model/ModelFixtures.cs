// Fixture methods with hand-checked IL shapes for the feature-extraction tests (compiled into the test assembly).
using System.Runtime.CompilerServices;

namespace InlineAdvisor.Tests.Model.Fixtures;

public class Speaker
{
    public virtual int Speak(int x) => x + 1;
}

public static class ModelFixtures
{
    // Straight-line: one block, no loop, no call.
    public static int Straight(int a, int b) => a * b + 1;

    public static int Loop(int[] xs)
    {
        int s = 0;
        for (int i = 0; i < xs.Length; i++) s += xs[i];
        return s;
    }

    public static int Guarded(int x)
    {
        try { return Straight(x, 2); }
        catch (InvalidOperationException) { return -1; }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Thrower(int x)
    {
        if (x < 0) throw new ArgumentOutOfRangeException(nameof(x));
    }

    public static T Identity<T>(T t) => t;

    public static int Caller(int[] xs, Speaker sp)
    {
        int s = 0;
        for (int i = 0; i < xs.Length; i++) s += Straight(xs[i], 3);   // in a loop, one constant argument
        s += Straight(7, 8);                                             // two constant arguments
        Thrower(s);
        return s + Guarded(s) + Identity(1) + sp.Speak(s);
    }
}
