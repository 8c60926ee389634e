// Applies advice to built assemblies: only the listed methods' MethodImpl flags, in place, atomically per file.
using System.Diagnostics;
using System.Text.RegularExpressions;
using InlineAdvisor.Core;
using InlineAdvisor.Patching;
using InlineAdvisor.Metadata;

namespace InlineAdvisor.Advice;

/// <summary>
/// Post-build application of an advice file to a build output folder (<c>advisor apply --assemblies</c>,
/// the MSBuild targets) and the check that it holds (<c>advisor check</c>).
/// <para>
/// Atomicity: for each assembly that needs a change, the original is copied to a temp file in the same
/// folder (<c>X.dll.inline-advisor-&lt;pid&gt;-&lt;random&gt;.tmp</c>), the temp is patched by
/// <see cref="FlagPatcher.PatchFile"/> (which proves only the flag bytes changed), flushed to disk and
/// verified again by re-reading it (a complete managed assembly, same name and MVID, every method's flags
/// as before except the advised ones, which read back as advised). Only when every temp is ready are they
/// renamed over the originals (rename(2): a reader sees the old file or the new one, never a mix). Any
/// failure deletes the temps and leaves every original untouched. A killed process can leave a temp file
/// (never a damaged assembly): the next <see cref="Apply"/> in that folder removes temps of dead processes.
/// </para>
/// </summary>
public static class AssemblyApplier
{
    private static readonly Regex TempName = new(@"^(?<file>.+\.dll)\.inline-advisor-(?<pid>\d+)-[0-9a-f]{8}\.tmp$", RegexOptions.CultureInvariant);

    /// <summary>What a recommendation resolved to in the folder: stale (with its outcome), or a method with its current and advised flags.</summary>
    private sealed record Target(Recommendation Recommendation, string? Path, ApplyOutcome? Stale, int Token, MethodImplFlags Before, MethodImplFlags After);

    /// <summary>
    /// Patches the advised methods' flags in the assemblies of <paramref name="assembliesDir"/>
    /// (<c>Method.Assembly + ".dll"</c>, directly in that folder). Methods already as advised are
    /// <see cref="ApplyStatus.AlreadyApplied"/> and their files are not touched (same bytes, same mtime).
    /// Stale recommendations (<see cref="ApplyStatus.Missing"/>, <see cref="ApplyStatus.SignatureChanged"/>)
    /// are reported and skipped; with <paramref name="strict"/> any stale one means nothing is written and the
    /// changes that would have been made are reported as <see cref="ApplyStatus.NotApplied"/>.
    /// </summary>
    /// <exception cref="AdviceException">Untrusted input refused (an assembly name that is a path, a duplicate),
    /// the folder is missing, or writing failed; then no original was replaced (see the message when several were).</exception>
    /// <param name="staleTempRemoved">Told each temp file of a killed earlier apply that was removed (once the advice is
    /// accepted and is going to be written; a refused or --strict-stopped run removes nothing).</param>
    public static IReadOnlyList<ApplyOutcome> Apply(AdviceFile advice, string assembliesDir, bool strict, Action<string>? staleTempRemoved = null)
    {
        var dir = FolderOf(assembliesDir);
        var targets = Resolve(advice, dir);
        int stale = targets.Count(t => t.Stale is not null);
        if (strict && stale > 0)
            return targets.Select(t => t.Stale ?? (t.Before == t.After ? AlreadyApplied(t)
                : new ApplyOutcome(t.Recommendation, ApplyStatus.NotApplied, $"not written: --strict and {stale} stale recommendation(s); {Describe(t.Before)} stays", t.Path))).ToList();
        foreach (var removed in CleanStaleTemps(dir)) staleTempRemoved?.Invoke(removed);

        var outcomes = new Dictionary<Target, ApplyOutcome>();
        var prepared = new List<Prepared>();
        try
        {
            foreach (var file in targets.Where(t => t.Stale is null && t.Before != t.After).GroupBy(t => t.Path!))
            {
                var info = new FileInfo(file.Key);
                if (info.LinkTarget is not null)
                    throw new AdviceException($"{file.Key} is a symbolic link; apply replaces files and will not replace a link (its target would stay as it is): copy the file into the folder");
                var temp = Path.Combine(dir, $"{info.Name}.inline-advisor-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}.tmp");
                var entry = new Prepared(file.Key, temp, info.Length, info.LastWriteTimeUtc);
                prepared.Add(entry);   // from here on the finally below removes the temp, whatever happens
                File.Copy(file.Key, temp);
                var patched = FlagPatcher.PatchFile(temp, file.Select(t => new FlagChange(t.Recommendation.Method, t.Recommendation.Action)).ToList());
                using (var stream = new FileStream(temp, FileMode.Open, FileAccess.ReadWrite)) stream.Flush(flushToDisk: true);
                VerifyTemp(file.Key, temp, file.ToList());
                foreach (var t in file)
                {
                    var notes = patched.FirstOrDefault(p => p.Token == t.Token)?.Notes ?? [];
                    outcomes[t] = new ApplyOutcome(t.Recommendation, ApplyStatus.Applied,
                        $"{Describe(t.Before)} → {Describe(t.After)}" + string.Concat(notes.Select(n => "; " + n)), t.Path);
                }
            }
            foreach (var p in prepared)
            {
                var now = new FileInfo(p.Original);
                if (!now.Exists || now.Length != p.Length || now.LastWriteTimeUtc != p.WriteTime)
                    throw new AdviceException($"{p.Original} changed while the advice was being applied (is a build still writing it?)");
                File.Move(p.Temp, p.Original, overwrite: true);
                p.Replaced = true;
            }
        }
        catch (Exception e) when (e is PatchException or IOException or UnauthorizedAccessException or AdviceException)
        {
            var replaced = prepared.Where(p => p.Replaced).Select(p => Path.GetFileName(p.Original)).ToList();
            var message = e is AdviceException ? e.Message : $"could not apply the advice in {dir}: {e.Message}";
            throw new AdviceException(replaced.Count == 0
                ? message + "; no assembly was changed"
                : message + $"; already replaced (complete and verified): {string.Join(", ", replaced)}; the others are unchanged — apply again to finish", e);
        }
        finally
        {
            foreach (var p in prepared.Where(p => !p.Replaced))
                try { File.Delete(p.Temp); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return targets.Select(t => t.Stale ?? (outcomes.TryGetValue(t, out var o) ? o : AlreadyApplied(t))).ToList();
    }

    private sealed class Prepared(string original, string temp, long length, DateTime writeTime)
    {
        public string Original { get; } = original;
        public string Temp { get; } = temp;
        public long Length { get; } = length;
        public DateTime WriteTime { get; } = writeTime;
        public bool Replaced { get; set; }
    }

    /// <summary>
    /// Reads only: is each recommendation applied in <paramref name="assembliesDir"/>? <see cref="ApplyStatus.AlreadyApplied"/>
    /// (flags as advised), <see cref="ApplyStatus.NotApplied"/>, or stale (<see cref="ApplyStatus.Missing"/>,
    /// <see cref="ApplyStatus.SignatureChanged"/>).
    /// </summary>
    /// <exception cref="AdviceException">Untrusted input refused, or the folder is missing.</exception>
    public static IReadOnlyList<ApplyOutcome> Check(AdviceFile advice, string assembliesDir) =>
        Resolve(advice, FolderOf(assembliesDir)).Select(t => t.Stale ?? (t.Before == t.After ? AlreadyApplied(t)
            : new ApplyOutcome(t.Recommendation, ApplyStatus.NotApplied, $"{Describe(t.Before)}; advised: {Describe(t.After)}", t.Path))).ToList();

    /// <summary>
    /// Removes temp files an earlier apply in <paramref name="assembliesDir"/> left behind because its process
    /// was killed (only files of this tool's naming whose process is gone). Returns the removed paths.
    /// </summary>
    public static IReadOnlyList<string> CleanStaleTemps(string assembliesDir)
    {
        var removed = new List<string>();
        if (!Directory.Exists(assembliesDir)) return removed;
        foreach (var path in Directory.EnumerateFiles(assembliesDir, "*.dll.inline-advisor-*.tmp", SearchOption.TopDirectoryOnly))
        {
            var m = TempName.Match(Path.GetFileName(path));
            if (!m.Success || !int.TryParse(m.Groups["pid"].Value, out var pid) || IsAlive(pid)) continue;
            try { File.Delete(path); removed.Add(path); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return removed;
    }

    private static bool IsAlive(int pid)
    {
        if (pid == Environment.ProcessId) return true;   // this process: possibly another apply running right now
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    private static string FolderOf(string assembliesDir)
    {
        var dir = Path.TrimEndingDirectorySeparator(Path.GetFullPath(assembliesDir));
        if (!Directory.Exists(dir)) throw new AdviceException($"no assemblies folder {assembliesDir}");
        return dir;
    }

    /// <summary>Finds each recommendation's method in the folder; refuses untrusted input before anything else happens.</summary>
    private static List<Target> Resolve(AdviceFile advice, string dir)
    {
        for (int i = 0; i < advice.Recommendations.Count; i++)
        {
            var m = advice.Recommendations[i].Method;
            var name = m.Assembly;
            if (string.IsNullOrWhiteSpace(name))
                throw new AdviceException($"recommendation {i + 1} ({m.Display}) names no assembly: apply needs it to find the file");
            if (name.Contains('/') || name.Contains('\\') || name.Contains("..", StringComparison.Ordinal) || name.Contains(':')
                || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || Path.IsPathRooted(name) || name.Any(char.IsControl))
                throw new AdviceException($"recommendation {i + 1} ({m.Display}) names the assembly '{name}', which is not a simple assembly name; refusing advice that could point outside {dir}");
            var full = Path.GetFullPath(Path.Combine(dir, name + ".dll"));
            if (!string.Equals(Path.GetDirectoryName(full), dir, StringComparison.Ordinal))
                throw new AdviceException($"recommendation {i + 1} ({m.Display}): {name}.dll is not directly in {dir}; refusing");
        }
        var duplicate = advice.Recommendations.GroupBy(r => r.Method).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new AdviceException($"the advice lists {duplicate.Key} {duplicate.Count()} times; one recommendation per method");

        var result = new List<Target>();
        using var catalog = new AssemblyCatalog();
        foreach (var r in advice.Recommendations)
        {
            var m = r.Method;
            var path = Path.Combine(dir, m.Assembly + ".dll");
            Target Stale(ApplyStatus status, string detail) => new(r, path, new ApplyOutcome(r, status, detail, path), 0, default, default);
            if (!File.Exists(path)) { result.Add(Stale(ApplyStatus.Missing, $"{m.Assembly}.dll is not in {dir}")); continue; }
            var assembly = catalog.Open(path);
            if (assembly is null) { result.Add(Stale(ApplyStatus.Missing, $"{m.Assembly}.dll is not a readable managed assembly")); continue; }
            if (!string.Equals(assembly.Name, m.Assembly, StringComparison.OrdinalIgnoreCase))
            {
                result.Add(Stale(ApplyStatus.Missing, $"{m.Assembly}.dll holds the assembly {assembly.Name}, not {m.Assembly}"));
                continue;
            }
            var type = RuntimeNames.NormalizeTypeName(m.Type);
            if (!assembly.HasType(type)) { result.Add(Stale(ApplyStatus.Missing, $"no type {m.Type} in {m.Assembly}.dll")); continue; }
            var match = assembly.FindMethod(m);
            if (match is null)
            {
                var others = assembly.Methods.Where(e => e.Identity.Type == type && e.Identity.Name == m.Name).Select(e => e.Identity.Signature).ToList();
                result.Add(others.Count == 0
                    ? Stale(ApplyStatus.Missing, $"{m.Type} has no method {m.Name} any more")
                    : Stale(ApplyStatus.SignatureChanged, $"advised for {m.Signature}; now: {string.Join(" | ", others)}"));
                continue;
            }
            if (match.IsAmbiguous)
            {
                result.Add(Stale(ApplyStatus.SignatureChanged, $"{m.Signature} now names {match.Candidates.Count} methods of {m.Type}; cannot tell which was advised"));
                continue;
            }
            var method = match.Method!;
            if (method.IlSize < 0) { result.Add(Stale(ApplyStatus.Missing, $"{m.Display} has no IL body any more (abstract, extern or runtime-provided)")); continue; }
            result.Add(new Target(r, path, null, method.Token, method.ImplFlags, FlagPatcher.Apply(method.ImplFlags, r.Action)));
        }
        return result;
    }

    /// <summary>The temp must load, be the same assembly, and differ from the original in exactly the advised flags.</summary>
    private static void VerifyTemp(string original, string temp, IReadOnlyList<Target> targets)
    {
        var a = File.ReadAllBytes(original);
        var b = File.ReadAllBytes(temp);
        int differing = 0;
        if (a.Length == b.Length)
            for (int i = 0; i < a.Length; i++) if (a[i] != b[i]) differing++;
        if (a.Length != b.Length || differing > 2 * targets.Count)
            throw new AdviceException($"{temp}: the patched copy of {Path.GetFileName(original)} differs in more than the flags");
        using var catalog = new AssemblyCatalog();
        var before = catalog.Open(original);
        var after = catalog.Open(temp) ?? throw new AdviceException($"{temp}: the patched copy of {Path.GetFileName(original)} does not read as a managed assembly");
        if (before is null || before.Name != after.Name || before.Mvid != after.Mvid)
            throw new AdviceException($"{temp}: the patched copy is not the same assembly as {Path.GetFileName(original)}");
        var advised = targets.ToDictionary(t => t.Token, t => t.After);
        foreach (var m in before.Methods)
        {
            var now = after.GetMethod(m.Token)?.ImplFlags;
            var expected = advised.TryGetValue(m.Token, out var flags) ? flags : m.ImplFlags;
            if (now != expected)
                throw new AdviceException($"{temp}: {m.Identity.Display} reads {now} in the patched copy, expected {expected}");
        }
        foreach (var t in targets)
            if (after.FindMethod(t.Recommendation.Method)?.Method is not { } found || found.Token != t.Token || found.ImplFlags != t.After)
                throw new AdviceException($"{temp}: {t.Recommendation.Method.Display} does not read back as advised in the patched copy");
    }

    private static ApplyOutcome AlreadyApplied(Target t) =>
        new(t.Recommendation, ApplyStatus.AlreadyApplied, $"{Describe(t.After)}, as advised", t.Path);


    private static string Describe(MethodImplFlags flags) =>
        MethodImplFlagsText.Describe(flags) is { Length: > 0 } text ? text : "no inlining attribute";
}
