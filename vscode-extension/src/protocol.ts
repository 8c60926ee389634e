// The server's custom messages and command ids, typed once (mirrored by the server's protocol records).
// Everything else the client speaks is plain LSP, handled by vscode-languageclient.
import { NotificationType, RequestType } from 'vscode-languageclient/node';

export interface StatusResult {
  storePath: string;
  storeExists: boolean;
  runId: number | null;
  program: string | null;
  collectedUtc: string | null;
  experiments: number;
  message: string | null;
}
export const statusRequest = new RequestType<Record<string, never>, StatusResult, void>('inlineAdvisor/status');

export interface HeatLine { line: number; share: number; samples: number }
export interface HeatResult { lines: HeatLine[] }
export const heatRequest = new RequestType<{ textDocument: { uri: string } }, HeatResult, void>('inlineAdvisor/heat');

export interface StoreChanged { runId: number | null; experiments: number }
export const storeChangedNotification = new NotificationType<StoreChanged>('inlineAdvisor/storeChanged');

/** Commands the server executes (workspace/executeCommand); the client registers these ids itself. */
export const serverCommands = {
  collect: 'inlineAdvisor.server.collect',
  experiment: 'inlineAdvisor.server.experiment',
  export: 'inlineAdvisor.server.export',
  report: 'inlineAdvisor.server.report',
  /** The HTML report of the server's store snapshot: one self-contained page, shown in a webview. */
  reportHtml: 'inlineAdvisor.server.reportHtml',
} as const;

export interface CollectResult { runIds: number[]; summary: string }
export interface ExperimentResult { experimentId: number | null; summary: string }
export interface ExportResult { path: string; recommendations: number }
export interface ReportResult { text: string }
export interface ReportHtmlResult { html: string }
export type ExperimentAction = 'force' | 'block' | 'remove';

/** What initializationOptions and didChangeConfiguration carry, under settings.inlineAdvisor. */
export interface ServerSettings {
  storePath: string;
  minCpuPercent: number;
  lensesEnabled: boolean;
  workloadCommand: string;
  appDir: string;
}
