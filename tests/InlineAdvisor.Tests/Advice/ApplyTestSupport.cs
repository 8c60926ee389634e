// Helpers for the assembly-apply tests: advice files, copies of the built samples, file fingerprints.
using System.Security.Cryptography;
using InlineAdvisor.Advice;
using InlineAdvisor.Core;
using InlineAdvisor.Patching;
using InlineAdvisor.Experiments;
using InlineAdvisor.Metadata;
using InlineAdvisor.Tests.EndToEnd;

namespace InlineAdvisor.Tests.Advice;

internal static class ApplyTestSupport
{
    /// <summary>Refused by the JIT for "too many il bytes" under DOTNET_TieredPGO=0; forcing it makes ScoreAll inline it.</summary>
    public static readonly MethodIdentity Score = new("InlineSamples", "InlineSamples.PacketScorer", "Score", "int32  (int32,int32,int32)");
    /// <summary>Carries [MethodImpl(AggressiveInlining)] in source.</summary>
    public static readonly MethodIdentity Mix = new("InlineSamples", "InlineSamples.ByteHasher", "Mix", "unsigned int64  (unsigned int64,unsigned int8)");

    public static Recommendation Rec(MethodIdentity method, InlineAction action) => new()
    {
        Method = method,
        Action = action,
        Reason = "test",
        Evidence = new AdviceEvidence { Kind = "measured", Metric = "wall time", Effect = -0.05, Low = -0.08, High = -0.02, N = 20 },
    };

    public static AdviceFile AdviceOf(params Recommendation[] recommendations) =>
        new() { ToolVersion = "test", GeneratedUtc = new DateTime(2026, 11, 21, 0, 0, 0, DateTimeKind.Utc), Recommendations = recommendations };

    public static string Write(AdviceFile advice, string path)
    {
        AdviceJson.Write(advice, path);
        return path;
    }

    public static string CopyOfSamples(TempDir dir, string name = "app")
    {
        var copy = dir.File(name);
        AppCopy.Copy(Repo.SamplesDir, copy);
        return copy;
    }

    /// <summary>Every file of the folder (recursively) → SHA-256 and last write time.</summary>
    public static Dictionary<string, (string Hash, DateTime Mtime)> Fingerprint(string dir) =>
        Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToDictionary(
            f => Path.GetRelativePath(dir, f),
            f => (Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))), File.GetLastWriteTimeUtc(f)));

    public static string Hash(string file) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file)));

    public static MethodImplFlags FlagsOf(string dll, MethodIdentity m)
    {
        using var catalog = new AssemblyCatalog();
        return catalog.Open(dll)!.FindMethod(m)!.Method!.ImplFlags;
    }

    /// <summary>Temp files of the applier's naming in the folder.</summary>
    public static string[] Temps(string dir) => Directory.GetFiles(dir, "*.inline-advisor-*.tmp");

    /// <summary>The pid of a process that has ended (and been reaped).</summary>
    public static int DeadPid()
    {
        using var p = System.Diagnostics.Process.Start("true")!;
        p.WaitForExit();
        return p.Id;
    }

    public static string Checksum(string stdout) => stdout.Split('\n').Single(l => l.StartsWith("checksum:", StringComparison.Ordinal));
}
