// Pure helpers (no vscode import) so they can be unit-tested under plain node: the status text and
// the heat buckets, where a .NET tool install puts the advisor.

/** "profile 5 min old" style age, from the store's collectedUtc and now. */
export function profileAge(collectedUtc: string, now: Date): string {
  const then = Date.parse(collectedUtc);
  if (Number.isNaN(then)) return 'profile of unknown age';
  const minutes = Math.max(0, Math.floor((now.getTime() - then) / 60_000));
  if (minutes < 1) return 'profile just collected';
  if (minutes < 60) return `profile ${minutes} min old`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `profile ${hours} h old`;
  return `profile ${Math.floor(hours / 24)} days old`;
}

export interface StatusLike {
  storeExists: boolean;
  runId: number | null;
  collectedUtc: string | null;
  message: string | null;
}

/** The status bar text after "InlineAdvisor: ". A server message (e.g. a locked store) wins. */
export function statusText(s: StatusLike, now: Date): string {
  if (s.message) return s.message;
  if (!s.storeExists || s.runId === null) return 'no profile';
  if (!s.collectedUtc) return `profile run ${s.runId}`;
  return profileAge(s.collectedUtc, now);
}

/**
 * Lower bounds of the heat buckets, as shares of the run's CPU samples. A line gets the highest
 * bucket it reaches; below the first it gets no tint. Few buckets: each one is a decoration type.
 */
export const heatBuckets = [0.01, 0.03, 0.1, 0.2, 0.5] as const;

/** The bucket index for a share, or -1 when the line is too cold to tint. */
export function heatBucket(share: number): number {
  let bucket = -1;
  for (let i = 0; i < heatBuckets.length; i++) if (share >= heatBuckets[i]) bucket = i;
  return bucket;
}

/** Background alpha of a bucket: visible but never hiding the text. */
export function heatAlpha(bucket: number): number {
  return 0.08 + (0.32 * bucket) / (heatBuckets.length - 1);
}

/** The text of a heat hover: "12.4% of CPU samples (310)". */
export function heatHover(share: number, samples: number): string {
  return `${(share * 100).toFixed(1)}% of CPU samples (${samples})`;
}

/**
 * Where `dotnet tool install --global` puts a tool's command: $DOTNET_CLI_HOME/.dotnet/tools, else ~/.dotnet/tools
 * (the SDK's own rule). Joined with '/' (POSIX); on Windows the SDK adds `.exe`, which callers try too.
 */
export function globalToolPath(command: string, env: Record<string, string | undefined>, home: string): string {
  const base = (env.DOTNET_CLI_HOME || home).replace(/[\\/]+$/, '');
  return `${base}/.dotnet/tools/${command}`;
}

/** Whether a local tool manifest (.config/dotnet-tools.json text) lists a tool whose command is `command`. */
export function manifestHasCommand(manifestJson: string, command: string): boolean {
  try {
    const tools = (JSON.parse(manifestJson) as { tools?: Record<string, { commands?: string[] }> }).tools ?? {};
    return Object.values(tools).some((t) => Array.isArray(t.commands) && t.commands.includes(command));
  } catch {
    return false;
  }
}

/**
 * The store the server is started with: the setting if the user set one, else INLINE_ADVISOR_STORE (the CLI's default
 * too), else the default file. A postgresql:// URI (a team store) is passed as it is, never resolved as a path.
 */
export function storeLocation(configured: string | undefined, env: Record<string, string | undefined>, fallback: string): { location: string; isUri: boolean } {
  const location = configured?.trim() || env.INLINE_ADVISOR_STORE?.trim() || fallback;
  return { location, isUri: /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(location) };
}
