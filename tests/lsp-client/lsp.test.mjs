// The C# language server (`advisor lsp`) driven over stdio by vscode-jsonrpc + vscode-languageserver-protocol, a client
// nobody here wrote, against a real profile of the `mixer` sample. Builds nothing: run `dotnet build -c Release` first.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync, cpSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, CancellationTokenSource } from 'vscode-jsonrpc/node.js';
import { TextDocument } from 'vscode-languageserver-protocol';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const advisor = path.join(repo, 'server/InlineAdvisor.Cli/bin/Release/net10.0/advisor');
const samplesDir = path.join(repo, 'samples/InlineSamples');
const samplesDll = path.join(samplesDir, 'bin/Release/net10.0/InlineSamples.dll');
const mixerFile = path.join(samplesDir, 'MixerCase.cs');

let tmp, store, server, conn, stderr = '', logs = '';
const refreshes = [];
const storeChanges = [];
const progress = [];

function collect() {
  execFileSync(advisor, ['collect', '--store', store, '--', 'dotnet', samplesDll, 'mixer', '--scale', '0.3'],
    { cwd: tmp, stdio: ['ignore', 'ignore', 'pipe'], timeout: 240_000 });
}

function waitFor(predicate, what, ms = 30_000) {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const tick = () => {
      const v = predicate();
      if (v) return resolve(v);
      if (Date.now() - start > ms) return reject(new Error(`timed out waiting for ${what}; server stderr:\n${stderr}\nserver log:\n${logs.slice(-4000)}`));
      setTimeout(tick, 100);
    };
    tick();
  });
}

before(async () => {
  for (const [file, hint] of [[advisor, 'dotnet build InlineAdvisor.sln -c Release'], [samplesDll, 'dotnet build InlineAdvisor.sln -c Release']])
    if (!existsSync(file)) throw new Error(`missing ${file}: build first (${hint}); this test builds nothing itself`);
  tmp = mkdtempSync(path.join(tmpdir(), 'lsp-client-'));
  store = path.join(tmp, 's.db');
  collect();
  server = spawn(advisor, ['lsp', '--store', store], { stdio: ['pipe', 'pipe', 'pipe'] });
  server.stderr.on('data', d => { stderr += d.toString(); });
  conn = createMessageConnection(new StreamMessageReader(server.stdout), new StreamMessageWriter(server.stdin));
  conn.onRequest('workspace/codeLens/refresh', () => { refreshes.push(Date.now()); return null; });
  conn.onRequest('window/workDoneProgress/create', () => null);
  conn.onNotification('$/progress', p => progress.push(p));
  conn.onNotification('inlineAdvisor/storeChanged', p => storeChanges.push(p));
  conn.onNotification('window/logMessage', p => { logs += p.message + '\n'; });
  conn.onError(() => {});   // the malformed frames below make the server answer with id-less errors: not fatal
  conn.listen();
});

after(() => {
  conn?.dispose();
  if (server && server.exitCode === null) server.kill();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** The `advisor report --json` of the same store: the hottest HashBlock → Mix site. */
function expectedSite() {
  const json = JSON.parse(execFileSync(advisor, ['report', '--store', store, '--json', '--top', '200'], { encoding: 'utf8' }));
  const rows = json.sites.filter(r => r.site.caller.name === 'HashBlock' && r.site.callee.name === 'Mix' && r.site.source);
  assert.ok(rows.length > 0, 'the report has HashBlock → Mix sites');
  rows.sort((a, b) => b.bound - a.bound);
  return { row: rows[0], run: json.run };
}

function pct(f) { return (f * 100).toFixed(1) + '%'; }

test('before initialize, requests get ServerNotInitialized', async () => {
  await assert.rejects(conn.sendRequest('textDocument/codeLens', { textDocument: { uri: 'file:///x.cs' } }), e => e.code === -32002);
});

test('lenses, hover and a code action that compiles, for the mixer hot site', async () => {
  const init = await conn.sendRequest('initialize', {
    processId: process.pid, rootUri: pathToFileURL(samplesDir).href,
    capabilities: { window: { workDoneProgress: true }, workspace: { codeLens: { refreshSupport: true } } },
    initializationOptions: { minCpuPercent: 1.0 },
  });
  assert.equal(init.capabilities.textDocumentSync.change, 1);
  assert.equal(init.capabilities.codeLensProvider.resolveProvider, true);
  assert.deepEqual(init.capabilities.executeCommandProvider.commands.sort(),
    ['inlineAdvisor.server.collect', 'inlineAdvisor.server.experiment', 'inlineAdvisor.server.export', 'inlineAdvisor.server.report',
      'inlineAdvisor.server.reportHtml']);
  conn.sendNotification('initialized', {});

  const uri = pathToFileURL(mixerFile).href;
  const text = readFileSync(mixerFile, 'utf8');
  conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'csharp', version: 1, text } });

  const { row, run } = expectedSite();
  const line = row.site.source.line - 1;
  const lenses = await conn.sendRequest('textDocument/codeLens', { textDocument: { uri } });
  const atSite = lenses.filter(l => l.range.start.line === line);
  assert.equal(atSite.length, 1, `one lens at line ${line + 1}: ${JSON.stringify(lenses)}`);
  const resolved = await conn.sendRequest('codeLens/resolve', atSite[0]);
  assert.equal(resolved.command.command, 'inlineAdvisor.showEvidence');
  assert.equal(resolved.command.title, `${pct(row.bound)} CPU · ${row.decision}`);
  assert.equal(resolved.command.arguments[0], uri);
  assert.ok(text.split('\n')[line].slice(resolved.command.arguments[1].character).startsWith('Mix('), 'the lens points at the call');
  // codeLens answers unresolved lenses (the title is rendered by resolve, for the lenses in view only);
  // resolved, every one shows its share, and cold sites (< 1%) show nothing.
  for (const l of lenses) {
    assert.equal(l.command, undefined, 'codeLens answers unresolved lenses');
    const r = await conn.sendRequest('codeLens/resolve', l);
    assert.ok(Number.parseFloat(r.command.title) >= 1.0, r.command.title);
    assert.deepEqual(r.range, l.range);
  }
  // The same request again is answered from the cache: the same lenses, resolving to the same text.
  const again = await conn.sendRequest('textDocument/codeLens', { textDocument: { uri } });
  assert.deepEqual(again.map(l => l.range), lenses.map(l => l.range));
  assert.equal((await conn.sendRequest('codeLens/resolve', again.find(l => l.range.start.line === line))).command.title, resolved.command.title);

  const status = await conn.sendRequest('inlineAdvisor/status', {});
  assert.equal(status.runId, run.id);
  assert.equal(status.storeExists, true);
  assert.equal(status.program, 'InlineSamples');
  assert.equal(status.message, null);

  const heat = await conn.sendRequest('inlineAdvisor/heat', { textDocument: { uri } });
  const hot = heat.lines.find(l => l.line === line);
  assert.ok(hot && Math.abs(hot.share - row.bound) < 1e-9 && hot.samples > 0, JSON.stringify(heat));

  const position = { line, character: resolved.command.arguments[1].character };
  const hover = await conn.sendRequest('textDocument/hover', { textDocument: { uri }, position });
  const md = hover.contents.value;
  for (const part of ['InlineSamples.ByteHasher.HashBlock → InlineSamples.ByteHasher.Mix', 'Share through the site', pct(row.bound), 'Share of caller',
    'JIT decision:** inlined', 'PGO count', 'Callee size:** IL 106 bytes', 'MethodImpl(AggressiveInlining)', 'No experiment'])
    assert.ok(md.includes(part), `hover has "${part}":\n${md}`);

  // On Mix's declaration: the method as a callee over all its sites (its attribute acts at every one of them).
  const declLine = text.split('\n').findIndex(l => l.includes('public static ulong Mix('));
  const declHover = await conn.sendRequest('textDocument/hover',
    { textDocument: { uri }, position: { line: declLine, character: text.split('\n')[declLine].indexOf('Mix(') + 1 } });
  const declMd = declHover.contents.value;
  assert.match(declMd, /- \*\*As a callee:\*\* \d+ profiled site\(s\) in \d+ caller\(s\): [1-9]\d* inlined \(≈ [\d,]+ B of optimized code at their statements\)/, declMd);
  assert.match(declMd, /of samples through them summed; its callers' optimized compiles took \d+\.\d ms of JIT time/, declMd);

  const actions = await conn.sendRequest('textDocument/codeAction', {
    textDocument: { uri }, range: { start: position, end: position }, context: { diagnostics: [] } });
  const titles = actions.map(a => a.title);
  assert.ok(titles.some(t => t.includes('remove [MethodImpl(AggressiveInlining)] from InlineSamples.ByteHasher.Mix')), titles.join('\n'));
  const block = actions.find(a => a.title.includes('[MethodImpl(NoInlining)]'));
  assert.ok(block, titles.join('\n'));

  // Apply the edit to a copy of the sample project and build it.
  const copy = path.join(tmp, 'copy');
  cpSync(samplesDir, path.join(copy, 'InlineSamples'), { recursive: true, filter: s => !/[\\/](bin|obj)$/.test(s) });
  for (const f of ['Directory.Build.props', 'Directory.Packages.props']) cpSync(path.join(repo, f), path.join(copy, f));
  for (const [editUri, edits] of Object.entries(block.edit.changes)) {
    const original = fileURLToPath(editUri);
    const target = path.join(copy, 'InlineSamples', path.relative(samplesDir, original));
    const doc = TextDocument.create(editUri, 'csharp', 1, readFileSync(target, 'utf8'));
    writeFileSync(target, TextDocument.applyEdits(doc, edits));
  }
  const edited = readFileSync(path.join(copy, 'InlineSamples/MixerCase.cs'), 'utf8');
  assert.match(edited, /\[MethodImpl\(MethodImplOptions\.NoInlining\)\]\s*\n\s*public static ulong Mix\(/);
  assert.doesNotMatch(edited, /AggressiveInlining\)\]\s*\n\s*public static ulong Mix\(/);
  execFileSync('dotnet', ['build', path.join(copy, 'InlineSamples/InlineSamples.csproj'), '-c', 'Release', '-nologo', '-v', 'q'],
    { stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
});

test('with the app folder set, a site without experiments shows the model\'s prediction, labelled as one', async () => {
  const uri = pathToFileURL(mixerFile).href;
  const { row } = expectedSite();
  const line = row.site.source.line - 1;
  const before = refreshes.length;
  conn.sendNotification('workspace/didChangeConfiguration',
    { settings: { inlineAdvisor: { appDir: path.dirname(samplesDll), minCpuPercent: 1.0 } } });
  await waitFor(() => refreshes.length > before, 'a lens refresh after the app folder was set');
  const lenses = await conn.sendRequest('textDocument/codeLens', { textDocument: { uri } });
  const lens = await conn.sendRequest('codeLens/resolve', lenses.find(l => l.range.start.line === line));
  // The mixer's Mix carries AggressiveInlining, so the change in question is removing it.
  assert.match(lens.command.title, /^\d+\.\d% CPU · inlined · remove: [+-]\d+\.\d% \[[+-]\d+\.\d%, [+-]\d+\.\d%\] \(predicted\)$/);
  const hover = await conn.sendRequest('textDocument/hover',
    { textDocument: { uri }, position: { line, character: lens.command.arguments[1].character } });
  for (const part of ['(predicted)', 'not a measurement'])
    assert.ok(hover.contents.value.includes(part), `hover has "${part}":\n${hover.contents.value}`);
  assert.ok(!hover.contents.value.includes('(measured'), 'nothing is called measured without an experiment');
  // A prediction is never advice: it is a candidate worth measuring, or the site is left alone.
  assert.ok(!hover.contents.value.includes('**Advice: '), `a prediction shown as advice:\n${hover.contents.value}`);
  assert.ok(/\*\*(Worth measuring: \w+ \(not advice until measured\)|Leave it)\*\*/.test(hover.contents.value), hover.contents.value);

  const back = refreshes.length;
  conn.sendNotification('workspace/didChangeConfiguration', { settings: { inlineAdvisor: { appDir: '' } } });
  await waitFor(() => refreshes.length > back, 'a lens refresh after the app folder was cleared');
  const plain = await conn.sendRequest('codeLens/resolve',
    (await conn.sendRequest('textDocument/codeLens', { textDocument: { uri } })).find(l => l.range.start.line === line));
  assert.equal(plain.command.title, `${pct(row.bound)} CPU · ${row.decision}`);
});

test('malformed frames do not kill the server', async () => {
  const raw = s => new Promise(r => server.stdin.write(s, r));
  await raw('Content-Length: abc\r\n\r\n');
  await raw('Content-Length: 9\r\n\r\n{not json');
  await raw('X-Whatever: 1\r\n\r\n');
  await raw('Content-Length: 2\r\n\r\n[]');
  const body = JSON.stringify({ jsonrpc: '2.0', id: 'raw-1', method: 'no/such/method' });
  await raw(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  const status = await conn.sendRequest('inlineAdvisor/status', {});
  assert.equal(status.storeExists, true);
  await assert.rejects(conn.sendRequest('no/such/method', {}), e => e.code === -32601);
});

test('another collect into the store: storeChanged and a lens refresh', async () => {
  const before = refreshes.length;
  collect();
  const change = await waitFor(() => storeChanges.find(c => c.runId === 2), 'inlineAdvisor/storeChanged for run 2');
  assert.equal(change.experiments, 0);
  await waitFor(() => refreshes.length > before, 'workspace/codeLens/refresh');
  const status = await conn.sendRequest('inlineAdvisor/status', {});
  assert.equal(status.runId, 2);
});

test('the report command returns the advisor report table', async () => {
  const r = await conn.sendRequest('workspace/executeCommand', { command: 'inlineAdvisor.server.report', arguments: [] });
  assert.match(r.text, /run 2 InlineSamples/);
  assert.match(r.text, /ByteHasher\.Mix/);
});

test('the reportHtml command returns the HTML page of the store snapshot, with the same data as report --json', async () => {
  const r = await conn.sendRequest('workspace/executeCommand', { command: 'inlineAdvisor.server.reportHtml', arguments: [] });
  assert.match(r.html, /^<!DOCTYPE html>/);
  assert.doesNotMatch(r.html, /<script[^>]*\ssrc=|<link\b/, 'self-contained');
  const block = r.html.match(/<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/);
  assert.ok(block, 'the page has its data block');
  const data = JSON.parse(block[1]);
  const { row, run } = expectedSite();
  assert.equal(data.report.run.id, run.id);
  const same = data.report.sites.find(s => s.site.caller.display === row.site.caller.display && s.site.callee.display === row.site.callee.display &&
    s.site.ilOffset === row.site.ilOffset);
  assert.ok(same, `the page holds ${row.site.caller.display} → ${row.site.callee.display}`);
  assert.equal(same.bound, row.bound);
  assert.equal(same.decision, row.decision);
  assert.ok(data.methods.some(m => m.method.display === 'InlineSamples.ByteHasher.Mix'));
  // No app folder setting in this session: the advice panel says how to get one instead of guessing.
  assert.equal(data.advice, null);
  assert.ok(data.notes.some(n => /editor's snapshot/.test(n)), 'the page says it holds the snapshot, not every site');
  assert.match(data.adviceNote, /inlineAdvisor\.workload\.appDir/);
});

/** The advice schema as shipped beside `advisor`, checked by Python's jsonschema (an implementation we did not write). */
function schemaErrors(file) {
  const schema = path.join(path.dirname(advisor), 'inline-advice.schema.json');
  const script = [
    'import json, sys, jsonschema',
    'schema = json.load(open(sys.argv[1])); doc = json.load(open(sys.argv[2]))',
    'cls = jsonschema.validators.validator_for(schema); cls.check_schema(schema)',
    'errs = list(cls(schema, format_checker=cls.FORMAT_CHECKER).iter_errors(doc))',
    'print("\\n".join(e.json_path + ": " + e.message for e in errs)); sys.exit(1 if errs else 0)'].join('\n');
  try { execFileSync('python3', ['-c', script, schema, file], { encoding: 'utf8' }); return ''; }
  catch (e) { return (e.stdout || '') + (e.stderr || ''); }
}

test('the collect command runs the real advisor: progress begin/report/end, run ids, then storeChanged + refresh', async () => {
  const seen = { refreshes: refreshes.length, changes: storeChanges.length, progress: progress.length };
  const r = await conn.sendRequest('workspace/executeCommand', {
    command: 'inlineAdvisor.server.collect', arguments: [{ command: `dotnet "${samplesDll}" mixer --scale 0.3`, cwd: tmp }] });
  assert.deepEqual(r.runIds, [3], JSON.stringify(r));
  assert.match(r.summary, /stored run 3/);
  const mine = progress.slice(seen.progress);
  const token = mine.find(p => p.value.kind === 'begin')?.token;
  assert.ok(token, `a $/progress begin: ${JSON.stringify(mine)}`);
  const kinds = mine.filter(p => p.token === token).map(p => p.value.kind);
  assert.equal(kinds[0], 'begin');
  assert.equal(kinds.at(-1), 'end');
  assert.ok(kinds.includes('report'), `progress reports from the child's output: ${kinds.join(' ')}`);
  await waitFor(() => storeChanges.slice(seen.changes).find(c => c.runId === 3), 'inlineAdvisor/storeChanged for run 3');
  await waitFor(() => refreshes.length > seen.refreshes, 'workspace/codeLens/refresh after the collect');
  assert.equal((await conn.sendRequest('inlineAdvisor/status', {})).runId, 3);
});

test('the export command: a clear error without measured evidence, no file written', async () => {
  const output = path.join(tmp, 'advice.json');
  await assert.rejects(
    conn.sendRequest('workspace/executeCommand', { command: 'inlineAdvisor.server.export', arguments: [{ output }] }),
    e => e.code === -32803 && /no experiments in .*s\.db: run `advisor experiment` first/.test(e.message) && !e.message.includes('\n'));
  assert.equal(existsSync(output), false);
  // The same store exported by the CLI into an advice file would have to pass the schema; the schema check itself is
  // exercised here so a broken validator cannot make the test above vacuous.
  const bogus = path.join(tmp, 'bogus.json');
  writeFileSync(bogus, JSON.stringify({ schemaVersion: 2, recommendations: [] }));
  assert.match(schemaErrors(bogus), /schemaVersion|required/);
});

test('cancelling a running collect: the child gets SIGINT, RequestCancelled, the store keeps what was recorded', async () => {
  const seen = { changes: storeChanges.length, progress: progress.length, logs: logs.length };
  const cts = new CancellationTokenSource();
  const pending = conn.sendRequest('workspace/executeCommand', {
    command: 'inlineAdvisor.server.collect', arguments: [{ command: `dotnet "${samplesDll}" mixer --scale 3`, cwd: tmp }] }, cts.token);
  // Cancel once the child is collecting (its first output line), not before its Ctrl-C handler exists.
  await waitFor(() => progress.slice(seen.progress).some(p => p.value.kind === 'report'), 'a progress report from the running collect', 120_000);
  await new Promise(r => setTimeout(r, 1500));
  cts.cancel();
  await assert.rejects(pending, e => e.code === -32800);
  assert.match(logs.slice(seen.logs), /advisor: stopping: storing what was collected/);
  const change = await waitFor(() => storeChanges.slice(seen.changes).find(c => c.runId === 4), 'storeChanged for the interrupted run 4');
  assert.equal(change.runId, 4);
  const json = JSON.parse(execFileSync(advisor, ['report', '--store', store, '--json', '--top', '5'], { encoding: 'utf8' }));
  assert.equal(json.run.id, 4);
});

test('shutdown then exit: exit code 0', async () => {
  await conn.sendRequest('shutdown');
  await assert.rejects(conn.sendRequest('inlineAdvisor/status', {}), e => e.code === -32600);
  const exited = new Promise(r => server.on('exit', code => r(code)));
  conn.sendNotification('exit');
  assert.equal(await exited, 0);
});
