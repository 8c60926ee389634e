// The pure parts of the extension (status text, heat buckets), run with node's test runner against
// the esbuild output of src/format.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { globalToolPath, heatAlpha, heatBucket, heatBuckets, manifestHasCommand, profileAge, statusText, storeLocation } from '../../dist/test/format.mjs';

const now = new Date('2026-11-21T12:00:00Z');

test('profile age in minutes, hours, days', () => {
  assert.equal(profileAge('2026-11-21T11:55:00Z', now), 'profile 5 min old');
  assert.equal(profileAge('2026-11-21T11:59:40Z', now), 'profile just collected');
  assert.equal(profileAge('2026-11-21T09:00:00Z', now), 'profile 3 h old');
  assert.equal(profileAge('2026-11-17T12:00:00Z', now), 'profile 4 days old');
  assert.equal(profileAge('not a date', now), 'profile of unknown age');
});

test('status text: the server message wins, then no profile, then the age', () => {
  const base = { storeExists: true, runId: 3, collectedUtc: '2026-11-21T11:55:00Z', message: null };
  assert.equal(statusText(base, now), 'profile 5 min old');
  assert.equal(statusText({ ...base, message: 'store is locked' }, now), 'store is locked');
  assert.equal(statusText({ ...base, storeExists: false }, now), 'no profile');
  assert.equal(statusText({ ...base, runId: null }, now), 'no profile');
  assert.equal(statusText({ ...base, collectedUtc: null }, now), 'profile run 3');
});

test('heat buckets: cold lines untinted, hotter lines in higher buckets, alpha grows', () => {
  assert.equal(heatBucket(0), -1);
  assert.equal(heatBucket(0.009), -1);
  assert.equal(heatBucket(0.01), 0);
  assert.equal(heatBucket(0.07), 1);
  assert.equal(heatBucket(0.249), 3);
  assert.equal(heatBucket(0.745), 4);
  assert.equal(heatBucket(0.9), heatBuckets.length - 1);
  for (let i = 1; i < heatBuckets.length; i++) assert.ok(heatAlpha(i) > heatAlpha(i - 1));
  assert.ok(heatAlpha(heatBuckets.length - 1) <= 0.4);
});

test('the advisor as a .NET tool: the global tool folder and a local tool manifest', () => {
  assert.equal(globalToolPath('advisor', {}, '/home/dev'), '/home/dev/.dotnet/tools/advisor');
  assert.equal(globalToolPath('advisor', { DOTNET_CLI_HOME: '/opt/cli/' }, '/home/dev'), '/opt/cli/.dotnet/tools/advisor');
  const manifest = JSON.stringify({ version: 1, isRoot: true, tools: { inlineadvisor: { version: '0.1.0', commands: ['advisor'] } } });
  assert.equal(manifestHasCommand(manifest, 'advisor'), true);
  assert.equal(manifestHasCommand(manifest, 'dotnet-trace'), false);
  assert.equal(manifestHasCommand('{ not json', 'advisor'), false);
  assert.equal(manifestHasCommand('{"tools": {"x": {}}}', 'advisor'), false);
});

test('store location: the setting, else INLINE_ADVISOR_STORE, else the default; a URI is never a path', () => {
  const uri = 'postgresql://dev@db.team:5432/inline';
  assert.deepEqual(storeLocation(' my.db ', { INLINE_ADVISOR_STORE: uri }, 'd.db'), { location: 'my.db', isUri: false });
  assert.deepEqual(storeLocation(undefined, { INLINE_ADVISOR_STORE: uri }, 'd.db'), { location: uri, isUri: true });
  assert.deepEqual(storeLocation('', {}, 'd.db'), { location: 'd.db', isUri: false });
  assert.equal(storeLocation('postgres://h/db', {}, 'd.db').isUri, true);
});
