// Heat decorations: hot lines of visible C# editors get a background and an overview-ruler mark whose
// intensity follows their share of CPU samples (inlineAdvisor/heat). A few buckets, one decoration
// type each; all of them are disposed when the setting is off, which removes every tint.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { heatAlpha, heatBucket, heatBuckets, heatHover } from './format';
import { heatRequest } from './protocol';

/** The tint, distinct from the themes' own colors (the e2e test finds it by this value). */
export const heatRgb = '255, 96, 0';

export class HeatDecorations implements vscode.Disposable {
  private types: vscode.TextEditorDecorationType[] = [];
  private pending: NodeJS.Timeout | undefined;
  private reportedError = false;

  constructor(
    private readonly getClient: () => LanguageClient | undefined,
    private readonly output: vscode.OutputChannel,
  ) {}

  private get enabled(): boolean {
    return vscode.workspace.getConfiguration('inlineAdvisor').get<boolean>('heat.enabled', true);
  }

  /** Coalesces bursts (several editors changing at once) into one refresh. */
  schedule(): void {
    if (this.pending) clearTimeout(this.pending);
    this.pending = setTimeout(() => {
      this.pending = undefined;
      void this.refresh();
    }, 150);
  }

  async refresh(): Promise<void> {
    const client = this.getClient();
    if (!this.enabled || !client) {
      this.clear();
      return;
    }
    if (this.types.length === 0) {
      this.types = heatBuckets.map((_, i) => {
        const alpha = heatAlpha(i);
        return vscode.window.createTextEditorDecorationType({
          isWholeLine: true,
          backgroundColor: `rgba(${heatRgb}, ${alpha.toFixed(2)})`,
          overviewRulerColor: `rgba(${heatRgb}, ${Math.min(1, alpha + 0.4).toFixed(2)})`,
          overviewRulerLane: vscode.OverviewRulerLane.Right,
        });
      });
    }
    const editors = vscode.window.visibleTextEditors.filter(
      (e) => e.document.languageId === 'csharp' && e.document.uri.scheme === 'file',
    );
    await Promise.all(editors.map((e) => this.decorate(client, e)));
  }

  private async decorate(client: LanguageClient, editor: vscode.TextEditor): Promise<void> {
    let lines: { line: number; share: number; samples: number }[];
    try {
      const uri = client.code2ProtocolConverter.asUri(editor.document.uri);
      lines = (await client.sendRequest(heatRequest, { textDocument: { uri } })).lines;
    } catch (e) {
      if (!this.reportedError) {
        this.reportedError = true;
        this.output.appendLine(`Heat decorations unavailable: ${e instanceof Error ? e.message : String(e)}`);
      }
      lines = [];
    }
    const perBucket: vscode.DecorationOptions[][] = heatBuckets.map(() => []);
    for (const l of lines) {
      const b = heatBucket(l.share);
      if (b < 0 || l.line < 0 || l.line >= editor.document.lineCount) continue;
      perBucket[b].push({
        range: new vscode.Range(l.line, 0, l.line, 0),
        hoverMessage: heatHover(l.share, l.samples),
      });
    }
    // The types may have been disposed while the request was out (setting turned off).
    if (this.types.length !== heatBuckets.length) return;
    this.types.forEach((t, i) => editor.setDecorations(t, perBucket[i]));
  }

  clear(): void {
    for (const t of this.types) t.dispose();
    this.types = [];
  }

  dispose(): void {
    if (this.pending) clearTimeout(this.pending);
    this.clear();
  }
}
