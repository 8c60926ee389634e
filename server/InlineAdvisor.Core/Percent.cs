// How a percentage is written everywhere a person reads one: a relative change signed ("+3.1%", "-0.4%", "0.0%"),
// a share of samples unsigned ("62.1%").
using System.Globalization;

namespace InlineAdvisor.Core;

public static class Percent
{
    public static string Signed(double fraction) => (fraction * 100).ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture) + "%";

    /// <summary>A share of a whole (samples, a caller's time): "62.1%".</summary>
    public static string Share(double fraction) => (fraction * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    /// <summary>"?" where the number is not known.</summary>
    public static string Signed(double? fraction) => fraction is { } f ? Signed(f) : "?";
}
