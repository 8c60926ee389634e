// Source edits planned but not written: what an editor applies itself (the language server's code actions), computed by
// the same tree, resolution and planning as `advisor apply --source` (SourceTree, SourceTree.Resolve, EditPlanner).
using InlineAdvisor.Core;
using Microsoft.CodeAnalysis.Text;

namespace InlineAdvisor.Advice;

/// <summary>The edit of one file: <see cref="Changes"/> are spans of <see cref="Text"/>, the text the plan was made on
/// (the editor's unsaved text when one was given).</summary>
public sealed record PlannedFile(string Path, SourceText Text, IReadOnlyList<TextChange> Changes);

/// <summary>What applying one action would do: Applied with the file edit, or why not (no file).</summary>
public sealed record SourcePlan(ApplyStatus Status, string Detail, PlannedFile? File);

/// <summary>
/// The C# files under a root, loaded once (open editor buffers overlaid on the files on disk), to plan
/// MethodImpl edits without writing anything. Not thread-safe; build a new one when files change.
/// </summary>
public sealed class SourceWorkspace
{
    readonly SourceTree _tree;

    SourceWorkspace(SourceTree tree) => _tree = tree;

    public string Root => _tree.Root;

    /// <param name="overlays">Full path → current text, for files the editor holds unsaved.</param>
    /// <exception cref="AdviceException">The folder does not exist.</exception>
    public static SourceWorkspace Load(string root, IReadOnlyDictionary<string, string>? overlays = null) =>
        new(SourceTree.Load(SourceApplier.CheckRoot(root), overlays));

    /// <summary>Plans <paramref name="action"/> on the declaration of <paramref name="method"/>; <paramref name="hint"/>
    /// (a profile's source location) only breaks ties between equally matching declarations.</summary>
    public SourcePlan Plan(MethodIdentity method, InlineAction action, SourceLocation? hint = null)
    {
        var found = _tree.Resolve(method, hint is null ? null : SourceHint.Within(Root, hint));
        if (found.Kind != LocateKind.Found) return new SourcePlan(found.Status, found.Detail, null);
        var plan = EditPlanner.Plan(found, action);
        if (plan.Status != ApplyStatus.Applied || plan.Changes.Count == 0) return new SourcePlan(plan.Status, plan.Detail, null);
        var (changes, _, refused) = EditPlanner.FileChanges(plan.Doc, plan.Changes, plan.NeedsUsing);
        if (refused is not null) return new SourcePlan(ApplyStatus.NotApplied, $"{plan.Doc.RelativePath}: {refused}; not edited", null);
        return new SourcePlan(ApplyStatus.Applied, plan.Detail, new PlannedFile(plan.Doc.FullPath, plan.Doc.Text, changes));
    }
}
