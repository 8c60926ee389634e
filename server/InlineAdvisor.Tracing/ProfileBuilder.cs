// Turns the raw facts of one trace into a call-edge profile: methods, sites, decisions, samples, JIT cost.
using InlineAdvisor.Core;

namespace InlineAdvisor.Tracing;

/// <summary>What analysis needs to know about the program's code, from its assemblies and PDBs.</summary>
internal interface ICodeMetadata
{
    /// <summary>The simple assembly name of a module file, and whether it belongs to the shared framework.</summary>
    (string Name, bool IsFramework) AssemblyOf(string modulePath);
    /// <summary>IL size and MethodImpl flags, or null when the module cannot be read.</summary>
    (int IlSize, MethodImplFlags Flags)? Describe(string modulePath, int token);
    /// <summary>A method never compiled on its own (e.g. always inlined), found by its event names.</summary>
    (string ModulePath, int Token)? Find(IEnumerable<string> modulePaths, string type, string name, string signature);
    /// <summary>Call instructions in the method body: IL offset and the callee's type/name/signature as events print them.</summary>
    IReadOnlyList<(int IlOffset, string Type, string Name, string Signature)> CallSites(string modulePath, int token);
    /// <summary>The interface or base methods (as name keys) an implementation fills: a devirtualized
    /// inlinee is named by its implementation while the IL calls the slot.</summary>
    IReadOnlyList<string> ImplementedSlots(string modulePath, int token);
    SourceLocation? Locate(string modulePath, int token, int ilOffset);
}

internal sealed class ProfileBuilder(RawTrace raw, ICodeMetadata metadata, Dictionary<string, MethodPgo>? pgo)
{
    // EventPipe's sampler stops threads at GC polls: leaf samples land in these frames, and belong to the caller.
    private static bool IsPlumbing(EventMethodName m) =>
        m.Type == "System.Threading.Thread" && m.Name.Contains("PollGC", StringComparison.Ordinal);   // .NET 10: "<PollGC>g__PollGCWorker|67_0"

    private static string KeyOf((int IlOffset, string Type, string Name, string Signature) call) => $"{call.Type}::{call.Name}{call.Signature}";

    private sealed class MethodInfo
    {
        public required MethodIdentity Identity;
        public required EventMethodName Names;
        public string? ModulePath;
        public int Token;
        public bool IsFramework;
        public long Exclusive, Inclusive;
        /// <summary>Samples in its own code at a native offset its IL-to-native map places at no statement.</summary>
        public long Unplaced;
        public readonly List<CodeRange> Ranges = [];
        private IReadOnlyList<(int IlOffset, string Type, string Name, string Signature)>? _calls;
        public IReadOnlyList<(int IlOffset, string Type, string Name, string Signature)> Calls(ICodeMetadata md) =>
            _calls ??= ModulePath is null || Token == 0 ? [] : md.CallSites(ModulePath, Token);
        private HashSet<string>? _keys;
        /// <summary>Keys by which an IL call may name this method: itself and the slots it implements.</summary>
        public HashSet<string> CalledAs(ICodeMetadata md) =>
            _keys ??= [Names.Key, .. ModulePath is null || Token == 0 ? [] : md.ImplementedSlots(ModulePath, Token)];
    }

    private sealed class SiteAcc
    {
        public required MethodInfo Caller;
        public required MethodIdentity Callee;
        public required string CalleeKey;
        public int IlOffset = -1;
        public int Statement = -1;
        public long CallSamples, StatementSamples;
        public bool SharesStatement;
    }

    private readonly Dictionary<string, MethodInfo> _methods = [];              // by NameKey
    private readonly Dictionary<(string, string, int), SiteAcc> _sites = [];   // caller key, callee key, IL offset
    private readonly Dictionary<(string, string, int), InlineDecision> _siteDecisions = [];
    private CodeRange[] _ranges = [];

    public RunProfile Build(RunInfo run)
    {
        foreach (var range in raw.Code) MethodOf(range).Ranges.Add(range);
        _ranges = raw.Code.Where(r => r.Size > 0).OrderBy(r => r.Start).ToArray();
        AttributeSamples();
        var decisions = Decisions();
        AddDecidedSites(decisions);
        var notes = new List<string>(run.Notes);
        if (pgo is null && !notes.Any(n => n.StartsWith("no PGO data", StringComparison.Ordinal))) notes.Add("no PGO data: the run did not write a dynamic-PGO file (attach mode, or the process did not exit normally)");
        if (raw.Truncated is { } t) notes.Add(t);
        if (raw.ManagedSamples == 0) notes.Add("no CPU samples of managed code were recorded");
        if (UnplacedNote() is { } unplaced) notes.Add(unplaced);

        var sites = _sites.Values.Select(s => ToSite(s, decisions)).ToList();
        var budget = BudgetCompiles();   // before the method list: it names inlinees the list must describe
        var methods = _methods.Values.Select(ToMethod).ToList();
        var jit = JitCost.Of(raw);
        var totals = new RunTotals(raw.ManagedSamples, raw.ExternalSamples, raw.Events, jit.JitMilliseconds, jit.Tier1CodeBytes, jit.MethodsJitted);
        return new RunProfile(run with { Notes = notes }, methods, sites, totals) { BudgetCompiles = budget };
    }

    /// <summary>
    /// Samples no site can claim: the sampled frame's native offset has no statement in its IL-to-native map (a loop's
    /// out-of-line GC-poll block at the end of an OSR body, prolog, epilog). Said when they are 5% or more of the samples,
    /// so a reader knows the sites of those methods show less than the methods' time.
    /// </summary>
    private string? UnplacedNote()
    {
        long total = _methods.Values.Sum(m => m.Unplaced);
        if (raw.ManagedSamples == 0 || total * 20 < raw.ManagedSamples) return null;
        var top = _methods.Values.OrderByDescending(m => m.Unplaced).First();
        return string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{(double)total / raw.ManagedSamples:0.#%} of CPU samples are in code the IL-to-native map places at no statement (e.g. a loop's out-of-line GC poll), " +
            $"{(double)top.Unplaced / raw.ManagedSamples:0.#%} in {top.Names.Type}.{top.Names.Name}: no call site can claim them, so that method's sites show less than its time");
    }

    /// <summary>
    /// Every compile of a method outside the framework where an inline was refused for budget, with its decisions in the
    /// JIT's order up to the last such refusal: what had spent the budget is what came before.
    /// </summary>
    private List<BudgetCompile> BudgetCompiles()
    {
        var result = new List<BudgetCompile>();
        foreach (var range in raw.Code)
        {
            int last = range.Inlines.FindLastIndex(e => !e.Succeeded && InlineReasons.IsBudget(e.Reason));
            if (last < 0) continue;
            var compiled = MethodOf(range);
            if (compiled.IsFramework) continue;
            var inlines = range.Inlines.Take(last + 1)
                .Select(e => new CompileInline(MethodByName(e.Inliner).Identity, MethodByName(e.Inlinee).Identity, e.Succeeded, e.Reason)).ToList();
            result.Add(new BudgetCompile(compiled.Identity, range.Tier, inlines));
        }
        return result;
    }

    private MethodInfo MethodOf(CodeRange range)
    {
        if (_methods.TryGetValue(range.Method.Key, out var m)) return m;
        string? path = raw.ModulePaths.GetValueOrDefault(range.ModuleId);
        var (assembly, framework) = path is null ? ("", true) : metadata.AssemblyOf(path);
        m = new MethodInfo
        {
            Identity = new MethodIdentity(assembly, range.Method.Type, range.Method.Name, range.Method.Signature),
            Names = range.Method, ModulePath = path, Token = range.Token, IsFramework = framework,
        };
        _methods[range.Method.Key] = m;
        return m;
    }

    /// <summary>A method known only by name (an inlinee never compiled alone): found through metadata.</summary>
    private MethodInfo MethodByName(EventMethodName names)
    {
        if (_methods.TryGetValue(names.Key, out var m)) return m;
        var found = metadata.Find(raw.ModulePaths.Values.Distinct(), names.Type, names.Name, names.Signature);
        string assembly = "";
        bool framework = true;
        if (found is { } f) (assembly, framework) = metadata.AssemblyOf(f.ModulePath);
        m = new MethodInfo
        {
            Identity = new MethodIdentity(assembly, names.Type, names.Name, names.Signature),
            Names = names, ModulePath = found?.ModulePath, Token = found?.Token ?? 0, IsFramework = framework,
        };
        _methods[names.Key] = m;
        return m;
    }

    private (CodeRange Range, MethodInfo Method)? Resolve(ulong ip)
    {
        int lo = 0, hi = _ranges.Length - 1, best = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_ranges[mid].Start <= ip) { best = mid; lo = mid + 1; } else hi = mid - 1;
        }
        if (best < 0 || ip >= _ranges[best].End) return null;
        var r = _ranges[best];
        return (r, _methods[r.Method.Key]);
    }

    /// <summary>The IL offset of the statement executing at a native offset (nearest preceding map entry).</summary>
    private static int StatementAt(CodeRange range, int nativeOffset)
    {
        if (range.NativeOffsets is not { Length: > 0 } natives) return -1;
        int i = Array.BinarySearch(natives, nativeOffset);
        if (i < 0) i = ~i - 1;
        return i < 0 ? -1 : range.IlOffsets![i];
    }

    /// <summary>The statement (an IL offset present in the range's map) that contains an IL offset.</summary>
    private static int StatementOf(CodeRange range, int ilOffset)
    {
        if (range.IlOffsets is null) return -1;
        int best = -1;
        foreach (var il in range.IlOffsets) if (il >= 0 && il <= ilOffset && il > best) best = il;
        return best;
    }

    private void AttributeSamples()
    {
        var frames = new List<(CodeRange Range, MethodInfo Method, ulong Ip)>();
        var seen = new HashSet<MethodInfo>();
        var counted = new HashSet<SiteAcc>();
        foreach (var (stack, count) in raw.Stacks)
        {
            frames.Clear();
            counted.Clear();
            foreach (var ip in stack)
                if (Resolve(ip) is { } f) frames.Add((f.Range, f.Method, ip));
            int leaf = 0;
            while (leaf < frames.Count - 1 && IsPlumbing(frames[leaf].Method.Names)) leaf++;
            if (leaf >= frames.Count) continue;
            frames[leaf].Method.Exclusive += count;
            seen.Clear();
            for (int i = leaf; i < frames.Count; i++)
            {
                var (range, method, ip) = frames[i];
                if (seen.Add(method)) method.Inclusive += count;
                // Every frame but the sampled one holds a return address: step back into the call instruction.
                int native = (int)(ip - range.Start) - (i == 0 ? 0 : 1);   // below skipped GC-poll frames too
                var next = i == leaf ? null : frames[i - 1].Method;
                int statement = StatementAt(range, native);
                if (i == leaf && statement < 0 && range.NativeOffsets is not null) method.Unplaced += count;   // mapped, at no statement
                // A site that occurs twice in one stack (recursion, async state machines, two bodies or instantiations of
                // one caller) counts the sample once: a site's share is of samples, so it can never pass 100%.
                foreach (var (site, call) in SitesOf(range, statement, next))
                    if (counted.Add(site))
                    {
                        if (call) site.CallSamples += count;
                        else site.StatementSamples += count;
                    }
            }
        }
    }

    private readonly Dictionary<(CodeRange, int, MethodInfo?), List<(SiteAcc Site, bool Call)>> _sitesOf = [];

    /// <summary>The sites that own a frame's time: a frame of <paramref name="range"/> executing <paramref name="statement"/>,
    /// below <paramref name="next"/> (null for the sampled frame). Call is true where the time is a call's (the frame
    /// toward the leaf is the callee), false where it is the statement's own (inlined bodies).</summary>
    private List<(SiteAcc Site, bool Call)> SitesOf(CodeRange range, int statement, MethodInfo? next)
    {
        if (!_sitesOf.TryGetValue((range, statement, next), out var sites))
            _sitesOf[(range, statement, next)] = sites = FindSites(range, statement, next);
        return sites;
    }

    private List<(SiteAcc Site, bool Call)> FindSites(CodeRange range, int statement, MethodInfo? next)
    {
        var caller = _methods[range.Method.Key];
        var calls = caller.Calls(metadata);
        var inStatement = statement < 0 ? [] : calls.Where(c => StatementOf(range, c.IlOffset) == statement).ToList();
        if (next is not null && !IsPlumbing(next.Names))
        {
            // A real call: the site calling this callee in this statement; for a virtual call the IL
            // names the declared method and the frame the implementation, so match name and signature.
            var calledAs = next.CalledAs(metadata);
            var site = inStatement.FirstOrDefault(c => KeyOf(c) == next.Names.Key);
            if (site.Name is null) site = inStatement.FirstOrDefault(c => calledAs.Contains(KeyOf(c)));
            if (site.Name is null && InlinedCaller(range, inStatement, calledAs, depth: 3) is { } inner)
            {
                // The statement calls a method the JIT inlined here, and that method's IL makes this call: the sample
                // belongs to the inner site (the map gives the root's IL offsets only, so this is found through the IL).
                return [(SiteFor(inner.Method, next.Identity, next.Names.Key, inner.IlOffset, -1), true)];
            }
            return [(SiteFor(caller, next.Identity, next.Names.Key, site.Name is null ? -1 : site.IlOffset, statement), true)];
        }
        // The caller's own frame executes this statement. As the leaf, that is the time of every site in
        // it: inlined bodies, and calls whose callee the sampler only caught at its return (see
        // CallSite.StatementSamples). Below another frame, only inlined sites can own the time: the
        // sample is inside something an inlined body called.
        var inlinees = InlineesOf(range);
        var owners = new List<((int IlOffset, string Type, string Name, string Signature) Call, MethodInfo Callee)>();
        foreach (var c in inStatement)
        {
            // The events name the implementation of a devirtualized call; the IL names the slot.
            var inlinee = inlinees.FirstOrDefault(m => m.CalledAs(metadata).Contains(KeyOf(c)));
            if (inlinee is not null) owners.Add((c, inlinee));
            else if (next is null) owners.Add((c, MethodByName(new EventMethodName(c.Type, c.Name, c.Signature))));
        }
        var sites = new List<(SiteAcc, bool)>();
        foreach (var (c, callee) in owners)
        {
            var acc = SiteFor(caller, callee.Identity, callee.Names.Key, c.IlOffset, statement);
            acc.SharesStatement |= inStatement.Count > 1;
            sites.Add((acc, false));
        }
        return sites;
    }

    private readonly Dictionary<CodeRange, List<MethodInfo>> _inlinees = [];

    /// <summary>
    /// The inlinee (of this compile, called from <paramref name="calls"/>, or nested up to <paramref name="depth"/> levels in
    /// such inlinees) whose own IL calls the callee, with that call's IL offset (-1 when it calls it at several offsets).
    /// Null when none does, or when more than one inlinee does (then the sample stays with the root's statement).
    /// </summary>
    private (MethodInfo Method, int IlOffset)? InlinedCaller(CodeRange range, IEnumerable<(int IlOffset, string Type, string Name, string Signature)> calls,
        HashSet<string> calleeAs, int depth)
    {
        var inlinees = InlineesOf(range);
        var found = new List<(MethodInfo, int)>();
        foreach (var c in calls)
        {
            var m = inlinees.FirstOrDefault(i => i.CalledAs(metadata).Contains(KeyOf(c)));
            if (m is null) continue;
            var direct = m.Calls(metadata).Where(x => calleeAs.Contains(KeyOf(x))).ToList();
            if (direct.Count > 0) found.Add((m, direct.Count == 1 ? direct[0].IlOffset : -1));
            else if (depth > 1 && InlinedCaller(range, m.Calls(metadata), calleeAs, depth - 1) is { } deeper) found.Add(deeper);
        }
        var distinct = found.Distinct().ToList();
        return distinct.Count == 1 ? distinct[0] : null;
    }

    /// <summary>What this compile inlined directly into its root method.</summary>
    private List<MethodInfo> InlineesOf(CodeRange range)
    {
        if (!_inlinees.TryGetValue(range, out var list))
            _inlinees[range] = list = range.Inlines.Where(e => e.Succeeded && e.Inliner.Key == range.Method.Key)
                .Select(e => MethodByName(e.Inlinee)).Distinct().ToList();
        return list;
    }

    private SiteAcc SiteFor(MethodInfo caller, MethodIdentity callee, string calleeKey, int ilOffset, int statement)
    {
        var key = (caller.Names.Key, calleeKey, ilOffset);
        if (!_sites.TryGetValue(key, out var acc))
            _sites[key] = acc = new SiteAcc { Caller = caller, Callee = callee, CalleeKey = calleeKey, IlOffset = ilOffset, Statement = statement };
        return acc;
    }

    /// <summary>A de-duplicated decision, with what else those compiles inlined into the inliner (where the call may really sit).</summary>
    private sealed record Decided(EventMethodName Inliner, EventMethodName Inlinee, InlineDecision Decision, IReadOnlyList<EventMethodName> InlinedIntoInliner);

    private Dictionary<(string Inliner, string Inlinee), Decided> Decisions()
    {
        var result = new Dictionary<(string, string), Decided>();
        var inlinedInto = raw.Code.SelectMany(r => r.Inlines).Where(e => e.Succeeded).GroupBy(e => e.Inliner.Key)
            .ToDictionary(g => g.Key, g => g.Select(e => e.Inlinee).Distinct().ToList());
        var groups = raw.Code.SelectMany(r => r.Inlines.Select(e => (r.Tier, e)))
            .GroupBy(x => (x.e.Inliner.Key, x.e.Inlinee.Key));
        foreach (var g in groups)
        {
            bool any = g.Any(x => x.e.Succeeded), all = g.All(x => x.e.Succeeded);
            var outcome = all ? InlineOutcome.Inlined : any ? InlineOutcome.Mixed : InlineOutcome.NotInlined;
            // A refusal is cached on the callee ("noinline per IL/cached result"); the first words say why.
            var failures = g.Where(x => !x.e.Succeeded).Select(x => x.e.Reason).ToList();
            var reason = failures.FirstOrDefault(r => !r.Contains("cached result", StringComparison.Ordinal)) ?? failures.LastOrDefault() ?? "";
            var tiers = g.Select(x => $"{x.Tier}:{(x.e.Succeeded ? "inlined" : "failed")}").Distinct().ToList();
            var first = g.First().e;
            var context = inlinedInto.GetValueOrDefault(first.Inliner.Key, []).Where(m => m.Key != first.Inlinee.Key).ToList();
            result[g.Key] = new Decided(first.Inliner, first.Inlinee, new InlineDecision(outcome, reason, tiers, g.Any(x => x.e.FailAlways)), context);
        }
        return result;
    }

    /// <summary>
    /// Every decision about a caller in the user's own code gets its site(s), hot or not. The event's
    /// inliner is not always the method whose IL holds the call: decisions of the root's inlining pass
    /// name the root even for calls inside its inlinees, so those are searched too.
    /// </summary>
    private void AddDecidedSites(Dictionary<(string Inliner, string Inlinee), Decided> decisions)
    {
        foreach (var ((inlinerKey, inlineeKey), decided) in decisions)
        {
            var inliner = MethodByName(decided.Inliner);
            if (inliner.IsFramework) continue;
            var callee = MethodByName(decided.Inlinee);
            var calledAs = callee.CalledAs(metadata);
            var candidates = new[] { inliner }.Concat(decided.InlinedIntoInliner.Select(MethodByName));
            var (caller, offsets) = candidates
                .Select(m => (m, m.Calls(metadata).Where(c => calledAs.Contains(KeyOf(c))).Select(c => c.IlOffset).ToList()))
                .FirstOrDefault(x => x.Item2.Count > 0, (inliner, new List<int>()));
            if (caller.IsFramework) continue;
            if (offsets.Count == 0 && !_sites.Keys.Any(k => k.Item1 == caller.Names.Key && k.Item2 == inlineeKey)) offsets.Add(-1);
            foreach (var offset in offsets)
            {
                var key = (caller.Names.Key, inlineeKey, offset);
                if (!_sites.ContainsKey(key))
                    _sites[key] = new SiteAcc { Caller = caller, Callee = callee.Identity, CalleeKey = inlineeKey, IlOffset = offset };
                _siteDecisions[key] = decided.Decision;
            }
        }
    }

    private CallSite ToSite(SiteAcc s, Dictionary<(string Inliner, string Inlinee), Decided> decisions)
    {
        var caller = s.Caller;
        SourceLocation? source = null;
        int locateAt = s.IlOffset >= 0 ? s.IlOffset : s.Statement;
        if (caller.ModulePath is not null && caller.Token != 0 && locateAt >= 0)
            source = metadata.Locate(caller.ModulePath, caller.Token, locateAt);
        long? pgoCount = null;
        if (pgo is not null && s.IlOffset >= 0 && pgo.TryGetValue($"{caller.Names.Type}.{caller.Names.Name}|{caller.Names.Signature}", out var methodPgo))
            pgoCount = methodPgo.BlockCount(s.IlOffset);
        return new CallSite
        {
            Caller = caller.Identity,
            Callee = s.Callee,
            IlOffset = s.IlOffset,
            Source = source,
            CallSamples = s.CallSamples,
            StatementSamples = s.StatementSamples,
            SharesStatement = s.SharesStatement,
            Decision = _siteDecisions.GetValueOrDefault((caller.Names.Key, s.CalleeKey, s.IlOffset))
                ?? decisions.GetValueOrDefault((caller.Names.Key, s.CalleeKey))?.Decision
                ?? UndecidedCall(caller),
            PgoCount = pgoCount,
            InlinedCodeBytes = InlinedCodeBytes(caller, s),
        };
    }

    /// <summary>See <see cref="CallSite.InlinedCodeBytes"/>: the optimized, non-instrumented bodies of the caller whose
    /// compile inlined the callee into the caller itself, and the native bytes their maps give the site's statement.</summary>
    private static long? InlinedCodeBytes(MethodInfo caller, SiteAcc s)
    {
        if (s.IlOffset < 0) return null;
        long? bytes = null;
        foreach (var range in caller.Ranges)
        {
            if (!range.Tier.StartsWith("Optimized", StringComparison.Ordinal) || range.Tier.EndsWith("Instrumented", StringComparison.Ordinal)) continue;
            if (range.NativeOffsets is not { } natives || range.IlOffsets is not { } ils) continue;
            if (!range.Inlines.Any(e => e.Succeeded && e.Inliner.Key == caller.Names.Key && e.Inlinee.Key == s.CalleeKey)) continue;
            int statement = StatementOf(range, s.IlOffset);
            if (statement < 0) continue;
            long inBody = 0;
            for (int i = 0; i < natives.Length; i++)
                if (ils[i] == statement) inBody += (i + 1 < natives.Length ? natives[i + 1] : range.Size) - natives[i];
            if (inBody > 0) bytes = (bytes ?? 0) + inBody;
        }
        return bytes;
    }

    /// <summary>
    /// No event decided this call. When every compile of the caller was unoptimized, that is the reason:
    /// Tier0 code inlines nothing and asks nothing.
    /// </summary>
    private static InlineDecision UndecidedCall(MethodInfo caller) =>
        caller.Ranges.Count > 0 && caller.Ranges.All(r => r.Tier.StartsWith("QuickJitted", StringComparison.Ordinal) || r.Tier == "MinOptJitted")
            ? new InlineDecision(InlineOutcome.NotInlined, InlineReasons.TierZeroOnly, caller.Ranges.Select(r => r.Tier + ":not considered").Distinct().ToList(), false)
            : new InlineDecision(InlineOutcome.Unknown, "", [], false);

    private MethodProfile ToMethod(MethodInfo m)
    {
        var described = m.ModulePath is not null && m.Token != 0 ? metadata.Describe(m.ModulePath, m.Token) : null;
        return new MethodProfile
        {
            Method = m.Identity,
            Token = m.Token,
            IlSize = described?.IlSize ?? -1,
            ImplFlags = described?.Flags ?? MethodImplFlags.None,
            ExclusiveSamples = m.Exclusive,
            InclusiveSamples = m.Inclusive,
            Compiles = m.Ranges.Select(r => new CodeVersion(r.Tier, r.Size, Math.Round(r.JitMilliseconds, 3))).ToList(),
        };
    }
}
