// Ctrl-C for long verbs: the first SIGINT/SIGTERM asks the work to stop and keep what it has; a second one ends the process.
using System.Runtime.InteropServices;

namespace InlineAdvisor.Cli;

internal sealed class Interruption : IDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly PosixSignalRegistration _int, _term;
    private readonly string _message;
    private readonly Action? _beforeMessage;
    private int _signals;

    /// <param name="message">Printed on the first signal: what happens to the data.</param>
    /// <param name="beforeMessage">Clears a live progress line before the message.</param>
    public Interruption(CancellationToken outer, string message, Action? beforeMessage = null)
    {
        _stop = CancellationTokenSource.CreateLinkedTokenSource(outer);
        _message = message;
        _beforeMessage = beforeMessage;
        _int = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        _term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    }

    public CancellationToken Token => _stop.Token;

    // The first signal is always ours, even when the work has just finished on its own: a terminal's Ctrl-C
    // also reaches the program we launched, which may end (and end the collection) before this handler
    // runs, and the results must still be stored. A second signal has the default effect: the process ends.
    private void OnSignal(PosixSignalContext context)
    {
        if (Interlocked.Increment(ref _signals) > 1) return;
        context.Cancel = true;
        _beforeMessage?.Invoke();
        Console.Error.WriteLine($"advisor: stopping: {_message} (press Ctrl-C again to abort)");
        _stop.Cancel();
    }

    public void Dispose()
    {
        _int.Dispose();
        _term.Dispose();
        _stop.Dispose();
    }
}
