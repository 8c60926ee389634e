// The exit codes of every verb, in one place.
namespace InlineAdvisor.Cli;

public enum ExitCode
{
    Ok = 0,
    /// <summary>The work could not be done (a target, trace or store problem); one line says why.</summary>
    Failed = 1,
    /// <summary>The command line itself is wrong.</summary>
    Usage = 2,
    /// <summary>`collect`: the workload itself exited non-zero. What was recorded is stored (with a note), but a
    /// profile of a failing program may not show its normal work, and CI should not read it as success.</summary>
    WorkloadFailed = 3,
}
