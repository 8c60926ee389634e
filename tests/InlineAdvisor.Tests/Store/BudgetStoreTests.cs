// Inline budget accounting: the profile with budget-limited compiles every store test saves, and a SQLite file of the
// schema before them migrating intact (integrity-checked); the round trip on both backends is in StoreContractTests.
using InlineAdvisor.Core;
using InlineAdvisor.Store;
using Xunit;
using static InlineAdvisor.Tests.Store.StoreTestSupport;

namespace InlineAdvisor.Tests.Store;

public sealed class BudgetStoreTests : IDisposable
{
    private readonly TempFolder _temp = new();
    public void Dispose() => _temp.Dispose();

    /// <summary>Realistic() plus two budget-limited compiles of Main (Hash is AggressiveInlining there).</summary>
    internal static RunProfile WithBudget(RunProfile p)
    {
        var main = p.Methods[0].Method;
        var hash = p.Methods[1].Method;
        var mix = p.Methods[2].Method;
        var external = M("System.Collections.Generic.List`1[System.Int32]", "Add", "void  (!0)", asm: "");
        return p with
        {
            BudgetCompiles =
            [
                new BudgetCompile(main, "OptimizedTier1", [
                    new CompileInline(main, hash, true, ""), new CompileInline(hash, external, true, ""),
                    new CompileInline(main, hash, true, ""), new CompileInline(main, mix, false, "inline exceeds budget")]),
                new BudgetCompile(main, "OptimizedTier1OSR", [new CompileInline(main, mix, false, "inline exceeds budget")]),
            ],
        };
    }

    [Fact]
    public void A_store_without_budget_accounting_migrates_and_its_runs_have_no_budget_compiles()
    {
        var path = _temp.File("advisor.db");
        long old;
        using (var v2 = ProfileStore.Open(path, ProfileStore.DefaultBusyTimeout, schemaVersion: 2))
            old = v2.SaveRun(Realistic());
        using (var store = ProfileStore.Open(path))
        {
            Assert.Empty(store.LoadRun(old)!.BudgetCompiles);
            var id = store.SaveRun(WithBudget(Realistic()));
            Assert.Equal(2, store.LoadRun(id)!.BudgetCompiles.Count);
        }
        using var raw = Raw(path);
        Assert.Equal((long)ProfileStore.SchemaVersion, Scalar(raw, "PRAGMA user_version"));
        Assert.Equal("ok", Scalar(raw, "PRAGMA integrity_check"));
    }
}
