// The budget accounting's rules on profiles built by hand: what spent the budget is what succeeded BEFORE a compile's
// first budget refusal, only forced inlinees are spenders, shares come from the profile's samples.
using InlineAdvisor.Core;
using Xunit;
using static InlineAdvisor.Tests.Store.StoreTestSupport;

namespace InlineAdvisor.Tests.Core;

public sealed class InlineBudgetTests
{
    [Fact]
    public void Spenders_are_forced_inlinees_before_the_first_refusal_summed_over_compiles()
    {
        var p = InlineAdvisor.Tests.Store.BudgetStoreTests.WithBudget(Realistic());
        var main = p.Methods[0].Method;
        var hash = p.Methods[1].Method;
        var mix = p.Methods[2].Method;
        var c = Assert.Single(InlineBudget.Cases(p));
        Assert.Equal(main, c.Compiled);
        Assert.Equal(2, c.Compiles);
        Assert.Equal(["OptimizedTier1", "OptimizedTier1OSR"], c.Tiers);
        Assert.Equal(3, c.InlinesBefore);                         // Hash twice and List.Add: all successes before the refusal
        var spender = Assert.Single(c.Spenders);                  // List.Add has no AggressiveInlining: not a spender
        Assert.Equal((hash, 2, 153, 306L), (spender.Method, spender.Inlines, spender.IlSize, spender.IlBytes));
        var lost = Assert.Single(c.Lost);
        Assert.Equal((main, mix, 2, false), (lost.Inliner, lost.Inlinee, lost.Refusals, lost.Forced));
        Assert.Equal(0.0, lost.Share);                            // no profiled site Main → Mix
        Assert.Equal(Math.Min(1, 9_000.0 / p.Totals.Samples), c.Share);
    }

    [Fact]
    public void A_forced_inline_after_the_first_refusal_spent_nothing_of_it()
    {
        var p = Realistic();
        var main = p.Methods[0].Method;
        var hash = p.Methods[1].Method;
        var mix = p.Methods[2].Method;
        p = p with
        {
            BudgetCompiles = [new BudgetCompile(main, "OptimizedTier1", [
                new CompileInline(main, mix, false, "inline exceeds budget"), new CompileInline(main, hash, true, ""),
                new CompileInline(main, hash, false, "over budget")])],
        };
        var c = Assert.Single(InlineBudget.Cases(p));
        Assert.Empty(c.Spenders);
        Assert.Equal(0, c.InlinesBefore);
        Assert.Equal([hash, mix], c.Lost.Select(l => l.Inlinee).OrderBy(m => m.Name, StringComparer.Ordinal));
        Assert.True(c.Lost.Single(l => l.Inlinee == hash).Forced);
        Assert.True(InlineReasons.IsBudget("over budget"));
        Assert.False(InlineReasons.IsBudget("too many il bytes"));
    }

    [Fact]
    public void The_hover_names_each_methods_part_in_a_case_and_calls_freeing_budget_unmeasured()
    {
        var p = InlineAdvisor.Tests.Store.BudgetStoreTests.WithBudget(Realistic());
        var cases = InlineBudget.Cases(p);
        var (main, hash, mix) = (p.Methods[0].Method, p.Methods[1].Method, p.Methods[2].Method);
        var compiled = Assert.Single(InlineAdvisor.LanguageServer.LensText.BudgetLines(main, cases));
        Assert.Contains("ran out 2×", compiled);
        Assert.Contains($"{hash.Display} ×2", compiled);
        var spender = Assert.Single(InlineAdvisor.LanguageServer.LensText.BudgetLines(hash, cases));
        Assert.Contains("not advice until measured", spender);
        Assert.Contains($"advisor experiment --method {hash.Type}.{hash.Name} --action remove", spender);
        Assert.Contains("refused 2×", Assert.Single(InlineAdvisor.LanguageServer.LensText.BudgetLines(mix, cases)));
        Assert.Empty(InlineAdvisor.LanguageServer.LensText.BudgetLines(p.Methods[4].Method, cases));
    }

    [Fact]
    public void A_run_without_budget_refusals_has_no_cases() => Assert.Empty(InlineBudget.Cases(Realistic()));
}
