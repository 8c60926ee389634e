// How a relative change is written everywhere a person reads one: "+3.1%", "-0.4%", "0.0%".
using System.Globalization;

namespace InlineAdvisor.Core;

public static class Percent
{
    public static string Signed(double fraction) => (fraction * 100).ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture) + "%";

    /// <summary>"?" where the number is not known.</summary>
    public static string Signed(double? fraction) => fraction is { } f ? Signed(f) : "?";
}
