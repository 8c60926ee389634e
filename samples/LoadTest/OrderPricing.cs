// The service's work per request: order lines as text, parsed, validated and priced, with the small helpers
// real pricing code has (a per-line parse, a discount rule, a rounding step) and a checksum over the result.
using System.Runtime.CompilerServices;

namespace LoadTest;

public static class OrderPricing
{
    /// <summary>Prices an order of <paramref name="lines"/> generated lines; the same seed always gives the same quote.</summary>
    public static long Quote(int seed, int lines)
    {
        Span<char> line = stackalloc char[48];
        long total = 0;
        uint state = (uint)seed * 2654435761u + 1;
        for (int i = 0; i < lines; i++)
        {
            state = state * 1664525 + 1013904223;
            int length = Format(line, state);
            if (!TryParse(line[..length], out int quantity, out int cents)) continue;
            total += RoundToNickel(Discount(quantity, cents) * quantity);
        }
        return Checksum(total, seed);
    }

    /// <summary>"qty=12;price=1999" from the generator state.</summary>
    private static int Format(Span<char> into, uint state)
    {
        int quantity = (int)(state % 40) + 1, cents = (int)(state >> 8) % 50_000 + 99;
        "qty=".CopyTo(into);
        quantity.TryFormat(into[4..], out int q);
        ";price=".CopyTo(into[(4 + q)..]);
        cents.TryFormat(into[(11 + q)..], out int c);
        return 11 + q + c;
    }

    private static bool TryParse(ReadOnlySpan<char> text, out int quantity, out int cents)
    {
        quantity = cents = 0;
        int semicolon = text.IndexOf(';');
        return semicolon > 4 && text.StartsWith("qty=") && text[(semicolon + 1)..].StartsWith("price=")
            && ParseDigits(text[4..semicolon], out quantity) && ParseDigits(text[(semicolon + 7)..], out cents);
    }

    private static bool ParseDigits(ReadOnlySpan<char> digits, out int value)
    {
        value = 0;
        foreach (var ch in digits)
        {
            if (!IsDigit(ch)) return false;
            value = value * 10 + (ch - '0');
        }
        return digits.Length > 0;
    }

    private static bool IsDigit(char ch) => (uint)(ch - '0') <= 9;

    /// <summary>Volume discount: 5% from 10 items, 10% from 25.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long Discount(int quantity, int cents) => quantity >= 25 ? cents * 90L / 100 : quantity >= 10 ? cents * 95L / 100 : cents;

    private static long RoundToNickel(long cents) => (cents + 2) / 5 * 5;

    private static long Checksum(long total, int seed)
    {
        ulong h = (ulong)total ^ 0x9E3779B97F4A7C15ul;
        h ^= (ulong)seed;
        h *= 0xBF58476D1CE4E5B9ul;
        return (long)(h >> 1);
    }
}
