// Ctrl-C for long verbs: the first SIGINT/SIGTERM asks the work to stop and keep what it has; a second one ends the process.
using System.Runtime.InteropServices;

namespace InlineAdvisor.Cli;

internal sealed class Interruption : IDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly PosixSignalRegistration _int, _term;
    private readonly string _message;
    private readonly Action? _beforeMessage;
    private volatile bool _working = true;

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

    /// <summary>From here on (storing results) a signal has its default effect: the process ends at once.</summary>
    public void WorkDone() => _working = false;

    private void OnSignal(PosixSignalContext context)
    {
        if (!_working || _stop.IsCancellationRequested) return;
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
