// The vocabulary of advice: what can be done to a method's inlining attribute, in one spelling for every layer.
namespace InlineAdvisor.Core;

/// <summary>What to do to a method's MethodImpl inlining flags.</summary>
public enum InlineAction
{
    /// <summary>Add AggressiveInlining (and drop NoInlining).</summary>
    Force,
    /// <summary>Add NoInlining (and drop AggressiveInlining).</summary>
    Block,
    /// <summary>Drop both: trust the JIT.</summary>
    Remove,
    /// <summary>Change nothing (advice only: no experiment or patch makes this edit).</summary>
    Leave,
}

/// <summary>The one text form of <see cref="InlineAction"/>: what the CLI accepts, files store and people read.</summary>
public static class InlineActions
{
    /// <summary>The actions an experiment or a patch can make (every action but Leave).</summary>
    public static readonly IReadOnlyList<InlineAction> Edits = [InlineAction.Force, InlineAction.Block, InlineAction.Remove];

    public static string Text(this InlineAction a) => a switch
    {
        InlineAction.Force => "force",
        InlineAction.Block => "block",
        InlineAction.Remove => "remove",
        _ => "leave",
    };

    /// <summary>How advice reads to a person: "force", "block", "remove attribute", "leave it".</summary>
    public static string AdviceText(this InlineAction a) => a switch
    {
        InlineAction.Remove => "remove attribute",
        InlineAction.Leave => "leave it",
        _ => a.Text(),
    };

    public static bool TryParse(string? text, out InlineAction action)
    {
        foreach (var a in Enum.GetValues<InlineAction>())
            if (string.Equals(a.Text(), text?.Trim(), StringComparison.OrdinalIgnoreCase)) { action = a; return true; }
        action = InlineAction.Leave;
        return false;
    }

    /// <summary>An edit action (force, block, remove) from its text; anything else is a <see cref="FormatException"/>.</summary>
    public static InlineAction ParseEdit(string text) =>
        TryParse(text, out var a) && a != InlineAction.Leave ? a : throw new FormatException($"unknown action '{text}' (force, block, remove)");

    /// <summary>
    /// The change worth trying at a site: remove an attribute the developer wrote (its cost or worth is the question);
    /// otherwise flip what the JIT did (block an inline, force a refusal).
    /// </summary>
    public static InlineAction ToTry(MethodImplFlags calleeFlags, InlineOutcome decision) =>
        (calleeFlags & (MethodImplFlags.AggressiveInlining | MethodImplFlags.NoInlining)) != 0 ? InlineAction.Remove
        : decision == InlineOutcome.Inlined ? InlineAction.Block : InlineAction.Force;

    /// <summary>The flags a method has after the action (other MethodImpl bits kept).</summary>
    public static MethodImplFlags ApplyTo(this InlineAction action, MethodImplFlags flags)
    {
        const MethodImplFlags inlining = MethodImplFlags.AggressiveInlining | MethodImplFlags.NoInlining;
        return action switch
        {
            InlineAction.Force => (flags & ~inlining) | MethodImplFlags.AggressiveInlining,
            InlineAction.Block => (flags & ~inlining) | MethodImplFlags.NoInlining,
            InlineAction.Remove => flags & ~inlining,
            _ => flags,
        };
    }
}

/// <summary>Where a payoff comes from: an experiment, the model, or nothing.</summary>
public enum EvidenceKind { Measured, Predicted, None }
