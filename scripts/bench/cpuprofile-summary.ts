// Summarises a V8 .cpuprofile (written by `node --cpu-prof`): self time by function and by package,
// over a window of the run. Sample times are on the monotonic clock that process.hrtime reads, in
// microseconds, so the bench can name its phases' windows in the same unit.

export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

export interface CpuProfile {
  nodes: { id: number; callFrame: CallFrame; children?: number[] }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Window {
  /** Monotonic microseconds (process.hrtime.bigint() / 1000n). */
  from: number;
  to: number;
}

export interface TimeRow {
  name: string;
  ms: number;
  /** Share of the sampled time in the window that was not idle, 0..1. */
  share: number;
}

export interface FunctionRow extends TimeRow {
  group: string;
}

export interface ProfileSummary {
  /** Sampled time in the window, idle included (ms). */
  sampledMs: number;
  idleMs: number;
  busyMs: number;
  functions: FunctionRow[];
  groups: TimeRow[];
  /** Groups folded into the few families that decide what to optimise (AWS SDK, hapi, ...). */
  families: TimeRow[];
}

const PSEUDO: Record<string, string> = {
  '(idle)': 'idle',
  '(garbage collector)': 'GC',
  '(program)': 'V8/native (program)',
  '(root)': 'V8/native (program)',
};

/** Which package or part of ours a function's script belongs to. */
export function groupOf(frame: CallFrame): string {
  if (PSEUDO[frame.functionName] && !frame.url) return PSEUDO[frame.functionName];
  const url = frame.url.replace(/^file:\/\//, '');
  if (!url) return 'V8 builtins (native)';
  if (url.startsWith('node:')) return 'node internals';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const parts = url.slice(modules + '/node_modules/'.length).split('/');
    const name = parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
    if (name.startsWith('@sagashop/')) return `packages/${name.slice('@sagashop/'.length)}`;
    return name;
  }
  const ours = /\/(packages\/[^/]+|scripts|lib|functions)\//.exec(url);
  // serverless-esbuild's bundles (.esbuild*/.build/...): our functions with lib/ bundled in.
  if (/\/\.esbuild[^/]*\/\.build\//.test(url)) return 'our bundled handlers (functions/ + lib/)';
  if (ours) return ours[1].startsWith('packages/') ? ours[1] : `${ours[1]}/`;
  return url;
}

const FAMILIES: [RegExp, string][] = [
  [/^@(aws-sdk|smithy|aws-crypto)\//, 'AWS SDK v3 (@aws-sdk, @smithy)'],
  [/^@hapi\/|^(boom|hoek)$/, 'hapi (@hapi/*)'],
  [/^@aws-lambda-powertools\//, 'Powertools (logger, metrics)'],
  [/^@middy\//, 'middy'],
  [/^(ioredis|redis-parser|denque|standard-as-callback|cluster-key-slot|redis-errors)$/, 'ioredis'],
  [/^(serverless-offline|serverless)$/, 'serverless / serverless-offline'],
];

export function familyOf(group: string): string {
  for (const [pattern, family] of FAMILIES) if (pattern.test(group)) return family;
  return group;
}

const ms = (microseconds: number) => Math.round(microseconds / 10) / 100;

/**
 * Self time per function and per group over `window` (the whole profile without one), top `top`
 * functions. A sample's time is the gap to the next sample (the last one gets the mean gap).
 */
export function summariseProfile(profile: CpuProfile, window?: Window, top = 25): ProfileSummary {
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const selfByFunction = new Map<string, { frame: CallFrame; us: number }>();
  const selfByGroup = new Map<string, number>();
  let at = profile.startTime;
  let sampled = 0;
  const meanGap = profile.samples.length > 0 ? (profile.endTime - profile.startTime) / profile.samples.length : 0;
  for (let index = 0; index < profile.samples.length; index++) {
    at += profile.timeDeltas[index] ?? 0;
    const gap = index + 1 < profile.samples.length ? (profile.timeDeltas[index + 1] ?? 0) : meanGap;
    if (window && (at < window.from || at >= window.to)) continue;
    const frame = frames.get(profile.samples[index]);
    if (!frame) continue;
    sampled += gap;
    const key = `${frame.functionName || '(anonymous)'} ${frame.url}:${frame.lineNumber + 1}`;
    const entry = selfByFunction.get(key) ?? selfByFunction.set(key, { frame, us: 0 }).get(key)!;
    entry.us += gap;
    const group = groupOf(frame);
    selfByGroup.set(group, (selfByGroup.get(group) ?? 0) + gap);
  }
  const idle = selfByGroup.get('idle') ?? 0;
  const busy = sampled - idle;
  const share = (us: number) => (busy > 0 ? Math.round((us / busy) * 1000) / 1000 : 0);
  const functions = [...selfByFunction.values()]
    .filter(({ frame }) => groupOf(frame) !== 'idle')
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map(({ frame, us }) => ({
      name: `${frame.functionName || '(anonymous)'}${frame.url ? ` ${shortUrl(frame.url)}:${frame.lineNumber + 1}` : ''}`,
      group: groupOf(frame),
      ms: ms(us),
      share: share(us),
    }));
  const rows = (entries: Iterable<[string, number]>) =>
    [...entries]
      .filter(([name]) => name !== 'idle')
      .sort((a, b) => b[1] - a[1])
      .map(([name, us]) => ({ name, ms: ms(us), share: share(us) }));
  const byFamily = new Map<string, number>();
  for (const [group, us] of selfByGroup) byFamily.set(familyOf(group), (byFamily.get(familyOf(group)) ?? 0) + us);
  return {
    sampledMs: ms(sampled),
    idleMs: ms(idle),
    busyMs: ms(busy),
    functions,
    groups: rows(selfByGroup).slice(0, top),
    families: rows(byFamily).slice(0, top),
  };
}

/** The part of a script's path that says what it is: from node_modules/<pkg> or the project's top folders on. */
export function shortUrl(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0) return path.slice(modules + '/node_modules/'.length);
  const ours = /\/((?:packages|scripts|lib|functions|\.esbuild[^/]*)\/.*)$/.exec(path);
  return ours ? ours[1] : path;
}

/** pid and Node thread id (0: main thread) from a file name node gives: CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile. */
export function profileFileIds(fileName: string): { pid: number; thread: number } | null {
  const match = /^CPU\.\d+\.\d+\.(\d+)\.(\d+)\.\d+\.cpuprofile$/.exec(fileName);
  return match ? { pid: Number(match[1]), thread: Number(match[2]) } : null;
}
