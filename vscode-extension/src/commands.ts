// The extension's commands. Each one that needs the server sends workspace/executeCommand with one
// of the server's command ids (protocol.ts); the server reports progress itself ($/progress), and the
// client shows it.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ExecuteCommandRequest, type LanguageClient } from 'vscode-languageclient/node';
import type { AdvisorClient } from './client';
import { errorText } from './client';
import { settings, workspaceRoot } from './config';
import {
  type CollectResult,
  type ExperimentAction,
  type ExperimentResult,
  type ExportResult,
  type ReportHtmlResult,
  type ReportResult,
  serverCommands,
} from './protocol';

/** A read-only document for the report: a content provider instead of an untitled, editable buffer. */
class ReportDocuments implements vscode.TextDocumentContentProvider {
  static readonly scheme = 'inline-advisor-report';
  static readonly uri = vscode.Uri.parse(`${ReportDocuments.scheme}:InlineAdvisor%20report.txt`);
  private text = '';
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  provideTextDocumentContent(): string {
    return this.text;
  }
  set(text: string): void {
    this.text = text;
    this.changed.fire(ReportDocuments.uri);
  }
}

async function execute<T>(client: LanguageClient, title: string, command: string, arg?: unknown): Promise<T | undefined> {
  try {
    return await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: `InlineAdvisor: ${title}` },
      () => client.sendRequest(ExecuteCommandRequest.type, { command, arguments: arg === undefined ? [] : [arg] }),
    ) as T;
  } catch (e) {
    // The server passes on the CLI's one-line error, which starts with "advisor: ".
    void vscode.window.showErrorMessage(`InlineAdvisor: ${title} failed: ${errorText(e).replace(/^advisor: /, '')}`);
    return undefined;
  }
}

export function registerCommands(ctx: vscode.ExtensionContext, advisor: AdvisorClient): void {
  const reports = new ReportDocuments();
  const reg = (id: string, fn: (...args: any[]) => unknown) => ctx.subscriptions.push(vscode.commands.registerCommand(id, fn));
  ctx.subscriptions.push(vscode.workspace.registerTextDocumentContentProvider(ReportDocuments.scheme, reports));

  reg('inlineAdvisor.collectProfile', async () => {
    const client = advisor.require();
    if (!client) return;
    let command = settings().get<string>('workload.command', '').trim();
    const asked = !command;
    if (asked) {
      command = (await vscode.window.showInputBox({
        title: 'InlineAdvisor: Collect profile',
        prompt: 'Command line of the workload to profile (runs in the workspace folder)',
        placeHolder: 'dotnet bin/Release/net10.0/App.dll --bench',
        ignoreFocusOut: true,
      }))?.trim() ?? '';
      if (!command) return;
    }
    const result = await execute<CollectResult>(client, 'collecting a profile', serverCommands.collect, { command, cwd: workspaceRoot() });
    if (!result) return;
    const actions = asked ? ['Save Command in Workspace Settings', 'Show Report'] : ['Show Report'];
    const pick = await vscode.window.showInformationMessage(`InlineAdvisor: ${result.summary}`, ...actions);
    if (pick === 'Show Report') void vscode.commands.executeCommand('inlineAdvisor.showReport');
    if (pick === 'Save Command in Workspace Settings') {
      await settings().update('workload.command', command, vscode.ConfigurationTarget.Workspace);
    }
  });

  reg('inlineAdvisor.runExperiment', async () => {
    const client = advisor.require();
    const editor = vscode.window.activeTextEditor;
    if (!client) return;
    if (!editor || editor.document.languageId !== 'csharp') {
      void vscode.window.showWarningMessage('InlineAdvisor: put the cursor on a call site or method in a C# file first.');
      return;
    }
    const picks: (vscode.QuickPickItem & { action?: ExperimentAction })[] = [
      { label: 'Let the advisor choose', description: 'the change the evidence suggests for this site' },
      { label: 'Force inlining', description: '[MethodImpl(AggressiveInlining)] on the callee', action: 'force' },
      { label: 'Block inlining', description: '[MethodImpl(NoInlining)] on the callee', action: 'block' },
      { label: 'Remove AggressiveInlining', description: 'the callee already has it', action: 'remove' },
    ];
    const pick = await vscode.window.showQuickPick(picks, {
      title: 'InlineAdvisor: Run experiments for this site',
      placeHolder: 'Which change to measure (on copies of the app; your files are not touched)',
    });
    if (!pick) return;
    const pos = editor.selection.active;
    const arg = {
      uri: client.code2ProtocolConverter.asUri(editor.document.uri),
      line: pos.line,
      character: pos.character,
      ...(pick.action ? { action: pick.action } : {}),
    };
    const result = await execute<ExperimentResult>(client, 'running experiments', serverCommands.experiment, arg);
    if (result) void vscode.window.showInformationMessage(`InlineAdvisor: ${result.summary}`);
  });

  reg('inlineAdvisor.exportRecommendations', async () => {
    const client = advisor.require();
    if (!client) return;
    const root = workspaceRoot();
    const target = await vscode.window.showSaveDialog({
      title: 'InlineAdvisor: Export recommendations',
      defaultUri: root ? vscode.Uri.file(path.join(root, 'inline-advice.json')) : undefined,
      filters: { 'Inline advice (JSON)': ['json'], 'SARIF': ['sarif'] },
    });
    if (!target) return;
    const result = await execute<ExportResult>(client, 'exporting recommendations', serverCommands.export, { output: target.fsPath });
    if (!result) return;
    const pick = await vscode.window.showInformationMessage(
      `InlineAdvisor: ${result.recommendations} recommendation${result.recommendations === 1 ? '' : 's'} written to ${result.path}`, 'Open');
    if (pick === 'Open') await vscode.window.showTextDocument(vscode.Uri.file(result.path));
  });

  // The HTML report (the page `advisor report --html` writes) in a webview; one panel, refreshed on each call.
  let panel: vscode.WebviewPanel | undefined;
  reg('inlineAdvisor.showReport', async () => {
    const client = advisor.require();
    if (!client) return;
    const result = await execute<ReportHtmlResult>(client, 'building the report', serverCommands.reportHtml);
    if (!result) return;
    if (!panel) {
      // Scripts draw the page from the data inside it; it loads nothing, so no local resource roots.
      panel = vscode.window.createWebviewPanel('inlineAdvisor.report', 'InlineAdvisor report', vscode.ViewColumn.Active,
        { enableScripts: true, localResourceRoots: [] });
      panel.onDidDispose(() => { panel = undefined; }, undefined, ctx.subscriptions);
    }
    panel.webview.html = result.html;
    panel.reveal();
  });

  reg('inlineAdvisor.showReportText', async () => {
    const client = advisor.require();
    if (!client) return;
    const result = await execute<ReportResult>(client, 'building the report', serverCommands.report);
    if (!result) return;
    reports.set(result.text);
    const doc = await vscode.workspace.openTextDocument(ReportDocuments.uri);
    await vscode.window.showTextDocument(doc, { preview: true });
  });

  // The lenses' command: the evidence is in the hover at the lens's position.
  reg('inlineAdvisor.showEvidence', async (uri?: string | vscode.Uri, position?: { line: number; character: number }) => {
    if (!uri || !position) return;
    const target = typeof uri === 'string' ? vscode.Uri.parse(uri) : uri;
    const editor = await vscode.window.showTextDocument(target, { preserveFocus: false });
    const pos = new vscode.Position(position.line, position.character);
    editor.selection = new vscode.Selection(pos, pos);
    editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    await vscode.commands.executeCommand('editor.action.showHover');
  });

  reg('inlineAdvisor.restartServer', async () => {
    await advisor.restart();
  });
}
