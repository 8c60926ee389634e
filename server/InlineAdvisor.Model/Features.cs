// Computes the feature vector of a call site and action from the app's IL (Metadata) and the run's profile (Core).
using System.Reflection.Metadata;
using InlineAdvisor.Core;
using InlineAdvisor.Metadata;

namespace InlineAdvisor.Model;

/// <summary>IL facts of a callee body, as built.</summary>
public sealed record CalleeShape(int IlSize, int Blocks, int Loops, int EhClauses, int Calls, bool Throws, bool Generic, bool Virtual,
    int Parameters, bool HasThis, MethodImplFlags Flags, int SitesInAssembly);

/// <summary>IL facts of one call instruction: arguments pushed (with `this`), how many are constants
/// (ldc.*, ldstr, ldnull immediately before the call), whether it sits in a loop of the caller, a virtual dispatch.</summary>
public sealed record SiteShape(int IlOffset, int Arguments, int ConstantArguments, bool InLoop, bool VirtualCall);

/// <summary>
/// Opens the app's assemblies (the folder's *.dll) and answers IL questions by method identity. Callees outside the
/// folder (the framework) get no IL features: their flags are not the user's to change.
/// </summary>
public sealed class ILFeatureReader : IDisposable
{
    readonly AssemblyCatalog _catalog = new();
    readonly Dictionary<string, ManagedAssembly?> _byName = new(StringComparer.OrdinalIgnoreCase);
    readonly Dictionary<string, Dictionary<MethodIdentity, int>> _siteCounts = new(StringComparer.OrdinalIgnoreCase);
    readonly string _dir;

    public ILFeatureReader(string appDir) => _dir = Path.GetFullPath(appDir);

    public ManagedAssembly? Assembly(string name)
    {
        if (_byName.TryGetValue(name, out var a)) return a;
        var path = Path.Combine(_dir, name + ".dll");
        if (!File.Exists(path)) path = Path.Combine(_dir, name + ".exe");
        a = File.Exists(path) ? _catalog.Open(path) : null;
        return _byName[name] = a;
    }

    public (ManagedAssembly Assembly, MethodEntry Method)? Find(MethodIdentity id)
    {
        var asm = Assembly(id.Assembly);
        return asm?.FindMethod(id)?.Method is { } m ? (asm, m) : null;
    }

    public CalleeShape? Callee(MethodIdentity id)
    {
        if (Find(id) is not { } found) return null;
        var (asm, m) = found;
        var il = asm.GetIL(m.Token) ?? [];
        var ins = ILScanner.Decode(il, out _);
        var eh = asm.GetExceptionRegions(m.Token);
        var flow = ILScanner.Flow(il, ins, eh.SelectMany(r => new[] { r.TryOffset, r.HandlerOffset, r.FilterOffset }));
        var sig = asm.GetSignatureShape(m.Token);
        return new CalleeShape(Math.Max(0, m.IlSize), flow.Blocks, flow.BackEdges.Count, eh.Count, ILScanner.Calls(ins).Count(), flow.Throws,
            sig?.Generic ?? false, m.IsVirtual, sig?.Parameters ?? 0, sig?.HasThis ?? false, m.ImplFlags, SitesOf(asm, id));
    }

    /// <summary>Call instructions targeting <paramref name="callee"/> anywhere in its own assembly.</summary>
    int SitesOf(ManagedAssembly asm, MethodIdentity callee)
    {
        if (!_siteCounts.TryGetValue(asm.Name, out var counts))
        {
            counts = new();
            foreach (var m in asm.Methods)
                foreach (var s in asm.GetCallSites(m.Token))
                    if (s.Callee is { } c) counts[c] = counts.GetValueOrDefault(c) + 1;
            _siteCounts[asm.Name] = counts;
        }
        return counts.GetValueOrDefault(callee);
    }

    /// <summary>The call in <paramref name="caller"/> at <paramref name="ilOffset"/> (or, when -1, its first call of
    /// <paramref name="callee"/>); null when neither is found.</summary>
    public SiteShape? Site(MethodIdentity caller, MethodIdentity callee, int ilOffset)
    {
        if (Find(caller) is not { } found) return null;
        var (asm, m) = found;
        var il = asm.GetIL(m.Token);
        if (il is null) return null;
        var ins = ILScanner.Decode(il, out _);
        var sites = asm.GetCallSites(m.Token);
        var site = sites.FirstOrDefault(s => s.IlOffset == ilOffset && ilOffset >= 0)
            ?? sites.FirstOrDefault(s => s.Callee is { } c && c.Type == callee.Type && c.Name == callee.Name && c.Signature == callee.Signature);
        if (site is null) return null;
        var eh = asm.GetExceptionRegions(m.Token);
        var flow = ILScanner.Flow(il, ins, eh.SelectMany(r => new[] { r.TryOffset, r.HandlerOffset, r.FilterOffset }));
        int args = 0;
        if (Find(callee) is { } target && target.Assembly.GetSignatureShape(target.Method.Token) is { } shape)
            args = shape.Parameters + (shape.HasThis && site.Kind != CallKind.NewObj ? 1 : 0);
        int index = ins.FindIndex(i => i.Offset == site.IlOffset);
        return new SiteShape(site.IlOffset, args, ConstantArguments(ins, index, args), ILScanner.InLoop(flow, site.IlOffset), site.IsVirtual);
    }

    /// <summary>
    /// Walks back from the call over instructions that each push exactly one value and pop none (loads of
    /// arguments, locals, fields of statics, constants) for up to <paramref name="args"/> of them, counting the
    /// constants. Anything else (arithmetic, an inner call) ends the walk: its operands are not simple arguments.
    /// </summary>
    internal static int ConstantArguments(IReadOnlyList<ILInstruction> ins, int callIndex, int args)
    {
        int constants = 0;
        for (int i = callIndex - 1, seen = 0; i >= 0 && seen < args; i--)
        {
            // Prefixes (constrained., tail., …) sit between the arguments and the call.
            if (ins[i].OpCode is ILOpCode.Constrained or ILOpCode.Tail or ILOpCode.Readonly or ILOpCode.Volatile) continue;
            int code = (int)ins[i].OpCode;
            bool constant = code is >= 0x14 and <= 0x23 || ins[i].OpCode == ILOpCode.Ldstr;           // ldnull, ldc.*
            bool load = code is >= 0x02 and <= 0x09 or >= 0x0E and <= 0x12 || ins[i].OpCode is ILOpCode.Ldsfld or ILOpCode.Ldsflda
                        or ILOpCode.Ldarg or ILOpCode.Ldarga or ILOpCode.Ldloc or ILOpCode.Ldloca or ILOpCode.Ldftn;
            if (!constant && !load) break;
            if (constant) constants++;
            seen++;
        }
        return constants;
    }

    public void Dispose() => _catalog.Dispose();
}

/// <summary>Builds feature vectors in <see cref="FeatureSchema.Names"/> order.</summary>
public static class FeatureBuilder
{
    static double Log(double x) => Math.Log(1 + Math.Max(0, x));

    /// <summary>
    /// The features of <paramref name="site"/> of <paramref name="profile"/> under <paramref name="action"/>.
    /// IL shapes may be null (the app folder is gone, or the callee is framework code): those features are then 0.
    /// </summary>
    public static double[] Build(RunProfile profile, CallSite site, InlineAction action, CalleeShape? callee, SiteShape? at)
    {
        var f = new double[FeatureSchema.Names.Count];
        void Set(string name, double v) => f[FeatureSchema.IndexOf(name)] = v;
        var methods = profile.Methods.GroupBy(m => m.Method).ToDictionary(g => g.Key, g => g.First());
        var calleeProfile = methods.GetValueOrDefault(site.Callee);
        var callerProfile = methods.GetValueOrDefault(site.Caller);

        if (callee is not null)
        {
            Set("callee_il_log", Log(callee.IlSize));
            Set("callee_blocks", callee.Blocks);
            Set("callee_loops", callee.Loops);
            Set("callee_eh_clauses", callee.EhClauses);
            Set("callee_calls", callee.Calls);
            Set("callee_throws", callee.Throws ? 1 : 0);
            Set("callee_generic", callee.Generic ? 1 : 0);
            Set("callee_virtual", callee.Virtual ? 1 : 0);
            Set("callee_sites_in_assembly_log", Log(callee.SitesInAssembly));
        }
        else if (calleeProfile is { IlSize: >= 0 }) Set("callee_il_log", Log(calleeProfile.IlSize));
        var flags = callee?.Flags ?? calleeProfile?.ImplFlags ?? MethodImplFlags.None;
        Set("attr_aggressive", (flags & MethodImplFlags.AggressiveInlining) != 0 ? 1 : 0);
        Set("attr_noinline", (flags & MethodImplFlags.NoInlining) != 0 ? 1 : 0);
        if (at is not null)
        {
            Set("site_args", at.Arguments);
            Set("site_const_args", at.ConstantArguments);
            Set("site_in_loop_il", at.InLoop ? 1 : 0);
        }

        Set("callee_native_tier0_log", Log(NativeSize(calleeProfile, tier1: false)));
        Set("callee_native_tier1_log", Log(NativeSize(calleeProfile, tier1: true)));
        Set("site_bound", profile.AmdahlBound(site));
        Set("site_share_of_caller", callerProfile is { InclusiveSamples: > 0 } c ? Math.Min(1, (double)site.TotalSamples / c.InclusiveSamples) : 0);
        Set("pgo_count_log", site.PgoCount is { } n ? Log(n) : 0);
        Set("pgo_known", site.PgoCount is null ? 0 : 1);
        Set("jit_inlined", site.Decision.Outcome switch { InlineOutcome.Inlined => 1, InlineOutcome.Mixed => 0.5, _ => 0 });
        Set("decision_known", site.Decision.Outcome == InlineOutcome.Unknown ? 0 : 1);
        if (site.Decision.Outcome is InlineOutcome.NotInlined or InlineOutcome.Mixed)
        {
            var name = InlineReasons.Classify(site.Decision.Reason) switch
            {
                ReasonClass.SizeBudget => "reason_size_budget", ReasonClass.ExceptionHandling => "reason_eh", ReasonClass.Virtual => "reason_virtual",
                ReasonClass.Recursion => "reason_recursion", ReasonClass.NoInline => "reason_noinline", ReasonClass.Profitability => "reason_profitability",
                _ => "reason_other",
            };
            Set(name, 1);
        }
        Set("caller_il_log", Log(callerProfile?.IlSize ?? 0));
        Set("caller_native_log", Log(NativeSize(callerProfile, tier1: true)));
        double il = callee?.IlSize ?? Math.Max(0, calleeProfile?.IlSize ?? 0);
        Set("callee_il_bytes", il);
        Set("callee_native_tier1_bytes", NativeSize(calleeProfile, tier1: true));
        Set("inlined_x_il_bytes", f[FeatureSchema.IndexOf("jit_inlined")] * il);
        Set("not_inlined_x_il_bytes", (1 - f[FeatureSchema.IndexOf("jit_inlined")]) * il);
        var calleeSites = profile.Sites.Where(s => s.Callee == site.Callee).ToList();
        Set("callee_profiled_sites_log", Log(calleeSites.Count));
        Set("callee_inlined_sites_log", Log(calleeSites.Count(s => s.Decision.Outcome is InlineOutcome.Inlined or InlineOutcome.Mixed)));
        Set("callee_summed_bound", Math.Min(1, calleeSites.Sum(profile.AmdahlBound)));
        var (callerRefusals, calleeRefused, calleeSpent) = BudgetPressure(profile, site);
        Set("caller_budget_refusals_log", Log(callerRefusals));
        Set("callee_budget_refused_log", Log(calleeRefused));
        Set("callee_budget_spent_log", Log(calleeSpent));
        Set(action switch { InlineAction.Force => "action_force", InlineAction.Block => "action_block", _ => "action_remove" }, 1);
        return f;
    }

    /// <summary>
    /// From the compiles that ran out of inline budget: the budget refusals in the caller's own compiles, the times the
    /// callee was refused for budget anywhere, and the times it was inlined before a budget refusal in the same compile
    /// (it spent budget that a later call lacked). All 0 in a run with no budget-limited compile, or a store before schema 3.
    /// </summary>
    static (int CallerRefusals, int CalleeRefused, int CalleeSpent) BudgetPressure(RunProfile profile, CallSite site) => (
        profile.BudgetCompiles.Where(c => c.Compiled == site.Caller).Sum(c => c.Refusals.Count()),
        profile.BudgetCompiles.Sum(c => c.Refusals.Count(d => d.Inlinee == site.Callee)),
        profile.BudgetCompiles.Sum(c => c.SpentBefore.Count(d => d.Inlinee == site.Callee)));

    /// <summary>Largest body of the method compiled on its own at Tier1/optimized (or Tier0); 0 when never.</summary>
    public static int NativeSize(MethodProfile? m, bool tier1) => m?.Compiles
        .Where(v => tier1 ? v.Tier.StartsWith("Optimized", StringComparison.Ordinal) : !v.Tier.StartsWith("Optimized", StringComparison.Ordinal))
        .Select(v => v.NativeSize).DefaultIfEmpty(0).Max() ?? 0;
}
