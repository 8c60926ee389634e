// What applying (or checking) one recommendation found: the rows `advisor apply` and `advisor check` print.
namespace InlineAdvisor.Advice;

public enum ApplyStatus
{
    /// <summary>Changed now.</summary>
    Applied,
    /// <summary>Already as advised: nothing to do (apply is idempotent).</summary>
    AlreadyApplied,
    /// <summary>Check only: the method is there but its flags are not as advised.</summary>
    NotApplied,
    /// <summary>No such type or method any more.</summary>
    Missing,
    /// <summary>The type and name exist but not with the advised signature.</summary>
    SignatureChanged,
}

public sealed record ApplyOutcome(Recommendation Recommendation, ApplyStatus Status, string Detail, string? Path)
{
    /// <summary>Stale advice: the code it was made for has changed.</summary>
    public bool IsStale => Status is ApplyStatus.Missing or ApplyStatus.SignatureChanged;
}
