// Entry point: wires the language client, the status bar, heat decorations and the commands, and
// keeps them in step with settings and the store (inlineAdvisor/storeChanged).
import * as vscode from 'vscode';
import { AdvisorClient } from './client';
import { registerCommands } from './commands';
import { HeatDecorations } from './heat';
import { storeChangedNotification } from './protocol';
import { StatusBar } from './statusBar';

let advisor: AdvisorClient | undefined;

export async function activate(ctx: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('InlineAdvisor', { log: true });
  advisor = new AdvisorClient(output);
  const a = advisor;
  const status = new StatusBar(() => a.client);
  const heat = new HeatDecorations(() => a.client, output);
  ctx.subscriptions.push(output, a, status, heat);
  registerCommands(ctx, a);

  ctx.subscriptions.push(
    a.onStarted((client) => {
      client.onNotification(storeChangedNotification, () => {
        void status.refresh();
        heat.schedule();
      });
      void status.refresh();
      heat.schedule();
    }),
    a.onStopped(() => {
      void status.refresh();
      heat.clear();
    }),
    vscode.window.onDidChangeVisibleTextEditors(() => heat.schedule()),
    vscode.workspace.onDidSaveTextDocument((d) => {
      if (d.languageId === 'csharp') heat.schedule();
    }),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      // The launch line depends on these two: the server must be started again.
      // (Compared by value: VS Code also fires for settings-file rewrites that change nothing.)
      if ((e.affectsConfiguration('inlineAdvisor.server.path') || e.affectsConfiguration('inlineAdvisor.store.path'))
        && a.launchSettingsChanged()) {
        await a.restart();
        return;
      }
      if (e.affectsConfiguration('inlineAdvisor')) heat.schedule();
    }),
  );

  await a.start();
  void status.refresh();
}

export async function deactivate(): Promise<void> {
  await advisor?.stop();
}
