// Reading the inlineAdvisor.* settings and resolving the two paths the server launch needs.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { globalToolPath, manifestHasCommand, storeLocation } from './format';
import type { ServerSettings } from './protocol';

export const section = 'inlineAdvisor';

export function settings(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration(section);
}

/** The first workspace folder on disk: relative settings are resolved against it. */
export function workspaceRoot(): string | undefined {
  return vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file')?.uri.fsPath;
}

function resolveAgainstRoot(p: string): string | undefined {
  if (path.isAbsolute(p)) return p;
  const root = workspaceRoot();
  return root ? path.join(root, p) : undefined;
}

/** An optional path setting: empty stays empty (the server then refuses with its own message), never the root. */
function resolveOptional(value: string): string {
  const v = value.trim();
  return v ? resolveAgainstRoot(v) ?? v : '';
}

/** The store given to `advisor lsp --store`: a URI as it is, a path resolved against the folder (undefined without one). */
export function storePath(): string | undefined {
  const i = settings().inspect<string>('store.path');
  const configured = i?.workspaceFolderValue ?? i?.workspaceValue ?? i?.globalValue;
  const { location, isUri } = storeLocation(configured, process.env, '.inline-advisor/advisor.db');
  return isUri ? location : resolveAgainstRoot(location);
}

export function serverSettings(): ServerSettings {
  const s = settings();
  return {
    storePath: storePath() ?? s.get<string>('store.path', '.inline-advisor/advisor.db'),
    minCpuPercent: s.get<number>('lens.minCpuPercent', 1.0),
    lensesEnabled: s.get<boolean>('lens.enabled', true),
    workloadCommand: s.get<string>('workload.command', ''),
    appDir: resolveOptional(s.get<string>('workload.appDir', '')),
  };
}

export interface ServerLaunch {
  /** What the user configured, for messages. */
  configured: string;
  /** The executable to spawn and its arguments, or why there is none. */
  command?: string;
  args?: string[];
  /** Every place that was tried, for the error message. */
  tried: string[];
}

function isExecutableFile(p: string): boolean {
  try {
    const st = fs.statSync(p);
    if (!st.isFile()) return false;
    fs.accessSync(p, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds the advisor: a bare name is looked up on PATH (as the shell would), anything with a slash is a
 * path (relative to the workspace folder), and a .dll runs under `dotnet`. Returns the places tried so
 * the user is told exactly what failed.
 */
export function resolveServer(configured: string, env: NodeJS.ProcessEnv = process.env): ServerLaunch {
  const value = configured.trim() || 'advisor';
  const tried: string[] = [];
  const store = storePath();
  const tail = store ? ['lsp', '--store', store] : ['lsp'];
  const isBareName = !value.includes('/') && !value.includes(path.sep);
  if (isBareName) {
    for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
      const candidate = path.join(dir, value);
      tried.push(candidate);
      if (isExecutableFile(candidate)) return { configured: value, command: candidate, args: tail, tried };
    }
    // Not on PATH: a local tool of the workspace (`dotnet tool install --local`), then the global tool folder
    // (`dotnet tool install --global`, which a shell's PATH often lacks).
    const root = workspaceRoot();
    const manifest = root ? path.join(root, '.config', 'dotnet-tools.json') : undefined;
    if (manifest) {
      tried.push(`${manifest} (local tool)`);
      if (fs.existsSync(manifest) && manifestHasCommand(fs.readFileSync(manifest, 'utf8'), value))
        return { configured: value, command: 'dotnet', args: ['tool', 'run', value, ...tail], tried };
    }
    const global = globalToolPath(value, env, os.homedir());
    for (const candidate of [global, `${global}.exe`]) {
      tried.push(candidate);
      if (isExecutableFile(candidate)) return { configured: value, command: candidate, args: tail, tried };
    }
    return { configured: value, tried };
  }
  const full = resolveAgainstRoot(value) ?? path.resolve(value);
  tried.push(full);
  if (full.endsWith('.dll')) {
    if (fs.existsSync(full)) return { configured: value, command: 'dotnet', args: [full, ...tail], tried };
    return { configured: value, tried };
  }
  if (isExecutableFile(full)) return { configured: value, command: full, args: tail, tried };
  return { configured: value, tried };
}
