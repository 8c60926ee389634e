// Fixture code covering the method shapes whose runtime event strings we recorded; also compiled into the probe app that recorded them.
#nullable disable
using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading.Tasks;

namespace InlineAdvisor.Tests.Metadata.Shapes
{
    public enum Color { Red, Green }
    public delegate int IntFn(int x);

    public struct Point
    {
        public int X, Y;
        [MethodImpl(MethodImplOptions.NoInlining)] public int Sum() => X + Y;
        [MethodImpl(MethodImplOptions.NoInlining)] public readonly int RoSum() => X - Y;
        public int Small() => X * 2;
        [MethodImpl(MethodImplOptions.NoInlining)] public static Point operator +(Point a, Point b) => new Point { X = a.X + b.X, Y = a.Y + b.Y };
        public int Prop { [MethodImpl(MethodImplOptions.NoInlining)] get => X; [MethodImpl(MethodImplOptions.NoInlining)] init => X = value; }
    }

    public interface IShape { int Area(); int Dflt() => 3; }

    public class Sq : IShape
    {
        public int S = 3;
        [MethodImpl(MethodImplOptions.NoInlining)] public Sq() { }
        [MethodImpl(MethodImplOptions.NoInlining)] public virtual int Area() => S * S;
        [MethodImpl(MethodImplOptions.NoInlining)] int IShape.Dflt() => 4;
        [MethodImpl(MethodImplOptions.NoInlining)] public static int Static(int a, long b, short c, byte d, sbyte e, ushort f, uint g, ulong h, char i, bool j, float k, double l, nint m, nuint n, object o, string p, decimal q) => a;
        public int Inl(int a) => a + S;
    }

    public class Box<T>
    {
        public T Value;
        [MethodImpl(MethodImplOptions.NoInlining)] public Box(T v) { Value = v; }
        [MethodImpl(MethodImplOptions.NoInlining)] public T Get() => Value;
        [MethodImpl(MethodImplOptions.NoInlining)] public void Set(T v) { Value = v; }
        [MethodImpl(MethodImplOptions.NoInlining)] public U Conv<U>(U u, T t) => u;
        [MethodImpl(MethodImplOptions.NoInlining)] public List<T> Lst(List<T> l, Dictionary<string, T> d) => l;
        [MethodImpl(MethodImplOptions.NoInlining)] public static T SGet(Box<T> b) => b.Value;
        public T InlGet() => Value;
        [MethodImpl(MethodImplOptions.NoInlining)] public T CallsInl() => InlGet();
        [MethodImpl(MethodImplOptions.NoInlining)] public Func<T> Lam() => () => Value;
        [MethodImpl(MethodImplOptions.NoInlining)] public virtual int VIn(in int x, in T y) => x;
    }

    public struct SBox<T>
    {
        public T Value;
        [MethodImpl(MethodImplOptions.NoInlining)] public T Get() => Value;
        public T InlGet() => Value;
        [MethodImpl(MethodImplOptions.NoInlining)] public T CallsInl() => InlGet();
    }

    public class Outer
    {
        public class Inner
        {
            [MethodImpl(MethodImplOptions.NoInlining)] public int M(Inner i) => 1;
            public class Deeper { [MethodImpl(MethodImplOptions.NoInlining)] public static int D(Deeper d, Outer.Inner i) => 2; }
        }
        public class GIn<U> { [MethodImpl(MethodImplOptions.NoInlining)] public U G(U u) => u; }
    }

    public class Outer2<T>
    {
        public class In<U> { [MethodImpl(MethodImplOptions.NoInlining)] public int G(T t, U u, In<U> self) => 1; }
    }

    public interface IGen<T> { int M(T t); }
    public class Impl : IGen<int>, IGen<string>
    {
        [MethodImpl(MethodImplOptions.NoInlining)] int IGen<int>.M(int t) => t;
        [MethodImpl(MethodImplOptions.NoInlining)] int IGen<string>.M(string t) => 1;
    }

    public struct S : IComparable<S>
    {
        public int X;
        [MethodImpl(MethodImplOptions.NoInlining)] public int CompareTo(S o) => X - o.X;
        public override string ToString() => "s";
    }

    public static class Calls
    {
        [MethodImpl(MethodImplOptions.NoInlining)] public static T Id<T>(T x) => x;
        [MethodImpl(MethodImplOptions.NoInlining)] public static KeyValuePair<K, V> Pair<K, V>(K k, V v, T2<K> t) => new KeyValuePair<K, V>(k, v);
        public struct T2<X> { public X x; }
        [MethodImpl(MethodImplOptions.NoInlining)] public static int Refs(ref int a, out int b, in int c, ref Point p, in Point q, out string s) { b = a; s = ""; return c; }
        [MethodImpl(MethodImplOptions.NoInlining)] public static ref int RefRet(ref int a) => ref a;
        [MethodImpl(MethodImplOptions.NoInlining)] public static ref readonly int RoRefRet(ref int a) => ref a;
        [MethodImpl(MethodImplOptions.NoInlining)] public static int Arrays(int[] a, int[,] b, int[][] c, string[,,] d, Point[] e, List<int>[] f, int[][,] g) => 0;
        [MethodImpl(MethodImplOptions.NoInlining)] public static unsafe int Ptrs(int* a, void* b, byte** c, Point* d, int*[] e, ref int* f) => 0;
        [MethodImpl(MethodImplOptions.NoInlining)] public static unsafe int FnPtr(delegate*<int, int> f, delegate* unmanaged<int, void> g, delegate* unmanaged[Cdecl]<ref int, long> h) => 0;
        [MethodImpl(MethodImplOptions.NoInlining)] public static unsafe int FnPtrMods(delegate* unmanaged[Stdcall, SuppressGCTransition]<int, void> f, delegate* managed<ref readonly int, int> g) => 0;
        [MethodImpl(MethodImplOptions.NoInlining)] public static int Vt(DateTime a, Span<int> b, ReadOnlySpan<char> c, int? d, (int, string) e, Color f, Guid g, TypedReference h) => 0;
        [MethodImpl(MethodImplOptions.NoInlining)] public static int Del(IntFn a, Func<int, int> b, Action c, IShape d, Sq e, Task<int> f) => 0;
        [MethodImpl(MethodImplOptions.NoInlining)] public static int Params(params int[] a) => 0;
        [MethodImpl(MethodImplOptions.NoInlining)] public static int VarArgs(int a, __arglist) => a; // never called: no varargs on Unix
        [MethodImpl(MethodImplOptions.NoInlining)] public static int Nested(Outer.Inner a, Outer.Inner.Deeper b, Outer.GIn<int> c, Outer2<string>.In<int> d, Dictionary<int, string>.Enumerator e) => 0;
        [MethodImpl(MethodImplOptions.NoInlining)] public static int GenArgs<T>(T[] a, List<T> b, ref T c, Box<T> d, T[,] e) => 0;
        [MethodImpl(MethodImplOptions.NoInlining)] public static int Cmp<T>(T a, T b) where T : IComparable<T> => a.CompareTo(b);
        [MethodImpl(MethodImplOptions.NoInlining)] public static int Md(int[,] a) { a[0, 1] = 3; return a[0, 1] + a.GetLength(0); }
        [MethodImpl(MethodImplOptions.NoInlining)] public static async Task<int> Async(int x) { await Task.Yield(); return x; }
        [MethodImpl(MethodImplOptions.NoInlining)] public static IEnumerable<int> Iter(int n) { for (int i = 0; i < n; i++) yield return i; }
        public static int InlTarget(int a) => a + 1;
        public static T InlGen<T>(T a) => a;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static int Forced(int a) { int s = 0; for (int i = 0; i < a; i++) s += i * a; return s; }
        [MethodImpl(MethodImplOptions.NoInlining)]
        public static int Caller(int a, Sq sq, Point p)
        {
            int l(int x) => x * 3;
            Func<int, int> lam = x => x + a;
            return InlTarget(a) + InlGen(a) + InlGen("s").Length + Forced(a) + sq.Inl(a) + p.Small() + l(a) + lam(a)
                + new Box<int>(a).InlGet() + new Box<string>("q").InlGet().Length + sq.Area();
        }
        [MethodImpl(MethodImplOptions.NoInlining)] public static int GenCaller<T>(T a) => InlGen(a) is null ? 0 : new Box<T>(a).InlGet() is null ? 1 : 2;
    }

    /// <summary>Runs every shape once so the JIT compiles it (the probe app's Main calls this).</summary>
    public static class ShapesEntry
    {
        public static unsafe int Run()
        {
            int r = 0;
            var p = new Point { X = 1, Y = 2 };
            r += p.Sum() + p.RoSum() + (p + p).X + p.Prop; var p2 = new Point { Prop = 5 }; r += p2.X;
            var sq = new Sq(); r += sq.Area() + ((IShape)sq).Dflt() + Sq.Static(1, 2, 3, 4, 5, 6, 7, 8, 'a', true, 1f, 2d, 3, 4, null, "x", 1m);
            var bi = new Box<int>(3); var bs = new Box<string>("s"); var bp = new Box<Point>(p);
            r += bi.Get(); r += bs.Get().Length; r += bp.Get().X; bi.Set(4); bs.Set("t"); bp.Set(p);
            r += bi.Conv(1, 2) + bs.Conv(1, "x") + bi.Conv("x", 3).Length + bs.Conv("y", "z").Length;
            r += bi.Lst(new List<int>(), null) == null ? 0 : 1; r += bs.Lst(new List<string>(), null) == null ? 0 : 1;
            r += Box<int>.SGet(bi) + Box<string>.SGet(bs).Length;
            r += bi.CallsInl() + bs.CallsInl().Length + bp.CallsInl().X;
            r += bi.Lam()() + (bs.Lam()()?.Length ?? 0) + new Box<KeyValuePair<int, int>>(default).Get().Key;
            int z = 1; r += bi.VIn(in z, in z);
            var sbi = new SBox<int>(); var sbs = new SBox<string> { Value = "a" }; r += sbi.Get() + sbs.Get().Length + sbi.CallsInl() + sbs.CallsInl().Length;
            r += new Outer.Inner().M(null) + Outer.Inner.Deeper.D(null, null) + new Outer.GIn<int>().G(1) + new Outer.GIn<string>().G("a").Length;
            r += new Outer2<string>.In<int>().G("a", 1, null) + new Outer2<int>.In<string>().G(1, "a", null);
            r += ((IGen<int>)new Impl()).M(1) + ((IGen<string>)new Impl()).M("");
            r += Calls.Id(1) + Calls.Id("a").Length + Calls.Id(p).X + Calls.Id(3L).GetHashCode();
            r += Calls.Pair(1, "a", default).Key + Calls.Pair("a", 2, default).Value;
            int a = 1, c = 2; Point q = p;
            r += Calls.Refs(ref a, out int b, in c, ref p, in q, out string s) + Calls.RefRet(ref a) + Calls.RoRefRet(ref a);
            r += Calls.Arrays(null, null, null, null, null, null, null);
            int* ip = null; r += Calls.Ptrs(null, null, null, null, null, ref ip);
            r += Calls.FnPtr(null, null, null) + Calls.FnPtrMods(null, null);
            int hv = 0; r += Calls.Vt(default, default, default, null, default, Color.Green, default, __makeref(hv));
            r += Calls.Del(null, null, null, null, null, null);
            r += Calls.Params(1, 2);
            r += Calls.Nested(null, null, null, null, default);
            r += Calls.GenArgs<int>(null, null, ref a, null, null) + Calls.GenArgs<string>(null, null, ref s, null, null);
            r += Calls.Cmp(new S(), new S()) + Calls.Md(new int[2, 2]) + Calls.Async(3).Result;
            foreach (var i in Calls.Iter(3)) r += i;
            r += Calls.Caller(3, sq, p) + Calls.GenCaller(1) + Calls.GenCaller("x");
            r += CallSiteFixtures.RunAll();
            return r;
        }
    }
}
