// The language client's lifecycle: find the advisor, start `advisor lsp`, tell the user clearly when
// it cannot start, restart on demand. The only file that constructs a LanguageClient.
import * as vscode from 'vscode';
import {
  DidChangeConfigurationNotification,
  LanguageClient,
  type LanguageClientOptions,
  CloseAction,
  ErrorAction,
  type ServerOptions,
  State,
} from 'vscode-languageclient/node';
import { resolveServer, section, serverSettings, settings, storePath, workspaceRoot } from './config';

/** What the launch line depends on: a change of it means a restart. */
function launchKey(): string {
  return JSON.stringify([settings().get<string>('server.path', 'advisor'), storePath()]);
}

export class AdvisorClient implements vscode.Disposable {
  private current: LanguageClient | undefined;
  private readonly started = new vscode.EventEmitter<LanguageClient>();
  private readonly stopped = new vscode.EventEmitter<void>();
  /** Fires with the running client after each successful start (also after a restart). */
  readonly onStarted = this.started.event;
  readonly onStopped = this.stopped.event;
  private startedWith: string | undefined;

  constructor(readonly output: vscode.LogOutputChannel) {}

  get client(): LanguageClient | undefined {
    return this.current?.isRunning() ? this.current : undefined;
  }

  /** The running client, or a warning to the user and undefined. */
  require(): LanguageClient | undefined {
    const c = this.client;
    if (!c) {
      void vscode.window
        .showWarningMessage('InlineAdvisor: the language server is not running.', 'Restart Server', 'Show Output')
        .then((pick) => {
          if (pick === 'Restart Server') void vscode.commands.executeCommand('inlineAdvisor.restartServer');
          if (pick === 'Show Output') this.output.show(true);
        });
    }
    return c;
  }

  async start(): Promise<void> {
    const configured = settings().get<string>('server.path', 'advisor');
    const launch = resolveServer(configured);
    this.startedWith = launchKey();
    if (!launch.command) {
      const where = launch.tried.length === 0 ? 'PATH is empty' : `tried ${summarizeTried(launch.tried)}`;
      this.fail(`cannot start the language server: \`${launch.configured}\` not found (${where}). ` +
        'Set inlineAdvisor.server.path to the advisor executable.');
      return;
    }
    const commandLine = [launch.command, ...(launch.args ?? [])].join(' ');
    this.output.appendLine(`Starting ${commandLine}`);
    // No `transport`: with TransportKind.stdio the client would append `--stdio` to the contract's
    // launch line; without it the client still talks over stdin/stdout.
    const serverOptions: ServerOptions = {
      command: launch.command,
      args: launch.args,
      options: { cwd: workspaceRoot() },
    };
    let client: LanguageClient | undefined = undefined;
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: 'file', language: 'csharp' }],
      outputChannel: this.output,
      traceOutputChannel: this.output,
      initializationOptions: serverSettings(),
      synchronize: { configurationSection: section },
      middleware: {
        workspace: {
          // The server reads flat keys (storePath, minCpuPercent, …) rather than the nested setting tree
          // the client would send for the section, so the payload is built here.
          didChangeConfiguration: async () => {
            await client?.sendNotification(DidChangeConfigurationNotification.type, {
              settings: { inlineAdvisor: serverSettings() },
            });
          },
        },
      },
      // A server that fails initialize will fail again: say so once instead of retrying.
      initializationFailedHandler: () => false,
      // The library's own toasts ("connection to server is erroring", "… will not be restarted") would bury
      // the one message that says what to fix: errors are logged, and this class tells the user.
      errorHandler: {
        error: (_error, _message, count) => ({
          action: count !== undefined && count <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown,
          handled: true,
        }),
        closed: () => {
          if (!running) return { action: CloseAction.DoNotRestart, handled: true };   // start() reports it
          const now = Date.now();
          crashes = crashes.filter((t) => now - t < 180_000).concat(now);
          if (crashes.length <= 4) {
            this.output.appendLine('The language server stopped; restarting it.');
            return { action: CloseAction.Restart, handled: true };
          }
          this.fail(`the language server \`${commandLine}\` stopped 5 times in 3 minutes and is not restarted. ` +
            'Its messages are in the InlineAdvisor output; "InlineAdvisor: Restart language server" tries again.');
          return { action: CloseAction.DoNotRestart, handled: true };
        },
      },
    };
    let running = false;
    let crashes: number[] = [];
    client = new LanguageClient('inlineAdvisor', 'InlineAdvisor', serverOptions, clientOptions);
    this.current = client;
    try {
      await client.start();
    } catch (e) {
      this.current = undefined;
      await client.dispose().catch(() => undefined);
      // Most often the process exited during initialize (an advisor without the `lsp` verb, a runtime
      // missing): its own message is on stderr, which the output channel shows.
      this.fail(`cannot start the language server \`${commandLine}\`: it exited or failed during startup ` +
        `(${errorText(e)}); its own message is in the InlineAdvisor output. Check inlineAdvisor.server.path.`);
      return;
    }
    running = true;
    client.onDidChangeState((e) => {
      if (e.newState === State.Stopped) this.stopped.fire();
      // The library restarted a crashed server: status and heat come from the new process.
      if (e.newState === State.Running && this.current === client) this.started.fire(client);
    });
    this.started.fire(client);
  }

  async stop(): Promise<void> {
    const c = this.current;
    this.current = undefined;
    if (c) {
      try {
        await c.stop(5000);
      } catch (e) {
        this.output.appendLine(`Stopping the server: ${errorText(e)}`);
      }
      await c.dispose().catch(() => undefined);
      this.stopped.fire();
    }
  }

  /** True when the settings the launch line is made of differ from the running server's. */
  launchSettingsChanged(): boolean {
    return this.startedWith !== launchKey();
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  private fail(message: string): void {
    this.output.appendLine(`InlineAdvisor: ${message}`);
    this.stopped.fire();
    void vscode.window.showErrorMessage(`InlineAdvisor: ${message}`, 'Open Settings', 'Show Output').then((pick) => {
      if (pick === 'Open Settings') void openServerPathSetting();
      if (pick === 'Show Output') this.output.show(true);
    });
  }

  dispose(): void {
    void this.stop();
    this.started.dispose();
    this.stopped.dispose();
  }
}

/**
 * The setting is machine-scoped: in a remote window (SSH, containers, code-server) it lives in the Remote
 * settings, and the User tab would show nothing.
 */
async function openServerPathSetting(): Promise<void> {
  const query = 'inlineAdvisor.server.path';
  if (vscode.env.remoteName) {
    try {
      await vscode.commands.executeCommand('workbench.action.openRemoteSettings', { query });
      return;
    } catch {
      // Fall through to the user settings.
    }
  }
  await vscode.commands.executeCommand('workbench.action.openSettings', query);
}

/** A PATH search can try many folders: name the first few and count the rest. */
function summarizeTried(tried: string[]): string {
  if (tried.length <= 4) return tried.join(', ');
  return `${tried.slice(0, 4).join(', ')} and ${tried.length - 4} more PATH entries`;
}

export function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'object' && e !== null && 'message' in e) return String((e as { message: unknown }).message);
  return String(e);
}
