// The exit codes of every verb, in one place.
namespace InlineAdvisor.Cli;

public enum ExitCode
{
    Ok = 0,
    /// <summary>The work could not be done (a target, trace or store problem); one line says why.</summary>
    Failed = 1,
    /// <summary>The command line itself is wrong.</summary>
    Usage = 2,
}
