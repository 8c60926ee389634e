// Fixture methods with hand-checked IL call sites and marked source lines for the metadata tests (also run by the probe app).
#nullable disable
using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;

namespace InlineAdvisor.Tests.Metadata.Shapes
{
    public class Animal
    {
        public virtual int Speak() => 1;
        public int Legs() => 4;
    }

    public sealed class Dog : Animal
    {
        public override int Speak() => 2;
    }

    public static unsafe class CallSiteFixtures
    {
        [MethodImpl(MethodImplOptions.NoInlining)] public static int Helper(int x) => x + 1;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static int Hot(int x) => x * 2;
        public static int Plain(int x) => x - 1;

        // Expression bodies compile to the same IL in Debug and Release: offsets below are exact.
        public static int TwoCalls(int a) => Helper(a) + Hot(a); // @site:TwoCalls

        public static int Virtuals(Animal a) => a.Speak() + a.Legs() + new Dog().Speak();

        public static int Generic(List<int> l, Box<string> b) => l.Count + b.Get().Length + Calls.Id(3);

        public static int Indirect(delegate*<int, int> f) => f(5);

        public static string Constrained<T>(T t) => t.ToString();

        public static int Switchy(int k, long big, double d) =>
            k switch
            {
                0 => Helper(1),
                1 => Helper(2),
                2 => Plain(3),
                _ => (int)(big + 0x1122334455667788L),
            } + (d > 1.5 ? Hot(k) : 0);

        public static int Lines(int a)
        {
            int x = Helper(a); // @line:Lines1
            if (x > 3)
                x += Hot(x); // @line:Lines2
            return x;
        }

        public static int RunAll()
        {
            int r = TwoCalls(1) + Virtuals(new Dog()) + Generic(new List<int>(), new Box<string>("b"))
                + Constrained(5).Length + Switchy(1, 2, 3) + Lines(4);
            r += Indirect(&Plain);
            return r;
        }
    }
}
