// The status bar item: the profile's age from inlineAdvisor/status; click → Show report.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { statusText } from './format';
import { statusRequest, type StatusResult } from './protocol';

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('inlineAdvisor.status', vscode.StatusBarAlignment.Left, 10);
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly getClient: () => LanguageClient | undefined) {
    this.item.name = 'InlineAdvisor';
    this.item.command = 'inlineAdvisor.showReport';
    this.item.text = 'InlineAdvisor: starting…';
    this.item.show();
    // The age changes with time alone, so the text is refreshed once a minute.
    this.timer = setInterval(() => void this.refresh(), 60_000);
  }

  async refresh(): Promise<void> {
    const client = this.getClient();
    if (!client) {
      this.item.text = '$(error) InlineAdvisor: server not running';
      this.item.tooltip = 'The InlineAdvisor language server is not running (see the InlineAdvisor output channel). Click to restart it.';
      this.item.command = 'inlineAdvisor.restartServer';
      return;
    }
    this.item.command = 'inlineAdvisor.showReport';
    let s: StatusResult;
    try {
      s = await client.sendRequest(statusRequest, {});
    } catch (e) {
      this.item.text = 'InlineAdvisor: status unavailable';
      this.item.tooltip = String(e instanceof Error ? e.message : e);
      return;
    }
    this.item.text = `InlineAdvisor: ${statusText(s, new Date())}`;
    const lines = [
      `Store: ${s.storePath}${s.storeExists ? '' : ' (not there yet: run "InlineAdvisor: Collect profile")'}`,
      s.runId !== null ? `Run ${s.runId}${s.program ? ` of ${s.program}` : ''}${s.collectedUtc ? `, collected ${new Date(s.collectedUtc).toLocaleString()}` : ''}` : undefined,
      `${s.experiments} experiment${s.experiments === 1 ? '' : 's'} stored`,
      'Click to show the report',
    ];
    this.item.tooltip = lines.filter((l) => l !== undefined).join('\n');
  }

  dispose(): void {
    clearInterval(this.timer);
    this.item.dispose();
  }
}
