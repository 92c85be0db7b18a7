/**
 * Backend selection for the local tfjs trainer (issue 4).
 *
 * Order for 'auto': the native TensorFlow binding `@tensorflow/tfjs-node-gpu`, then
 * `@tensorflow/tfjs-node` (both register the 'tensorflow' backend), then WebAssembly
 * (`@tensorflow/tfjs-backend-wasm`, a dependency of this repo), then tfjs's pure-JS 'cpu' backend.
 *
 * `@tensorflow/tfjs-node-gpu` is an optionalDependency of golongrl-lab: npm installs it where its
 * install script can fetch libtensorflow (a GPU host with internet), and skips it where it cannot (this
 * project's offline CI: the install fails, npm leaves it out and `npm ci` still succeeds). Native
 * packages are loaded with a guarded `require` built by `createRequire(process.cwd() + '/')` (lib/
 * never uses `import.meta`, so that it also loads as CommonJS in the tslab kernel). A missing or broken
 * package is reported in `reason` and the next backend is tried.
 */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

export type BackendName = 'auto' | 'wasm' | 'cpu' | 'tensorflow';

/**
 * tfjs's pure-JS 'cpu' backend prints "Hi, looks like you are running TensorFlow.js in Node.js. To speed
 * things up dramatically, install our node backend…" on its first tensor write in Node (issue 12 §6):
 * noise in every CLI run and test log, and misleading here (the policy's fast engine is lib/train/engine/,
 * docs/engine.md). The banner is guarded by the backend's `firstUse` flag; we clear that flag only, so every
 * other tfjs warning still prints. Idempotent; run on import and by `selectBackend`.
 */
export function silenceCpuBanner(): void {
  const cpu = tf.findBackend('cpu') as unknown as { firstUse?: boolean } | null;
  if (cpu && typeof cpu.firstUse === 'boolean') cpu.firstUse = false;
}
silenceCpuBanner();

export interface BackendChoice {
  /** The tfjs backend now active: 'tensorflow', 'wasm' or 'cpu'. */
  name: string;
  /** Why this backend: what was tried and what failed. */
  reason: string;
}

/** Native packages tried, in order, for 'tensorflow' (and first for 'auto'). */
export const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

function errorLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0];
}

/** Try to load one native binding; returns null on success or a one-line failure reason. */
function loadNative(pkg: string): string | null {
  try {
    const req = createRequire(process.cwd() + '/');
    req(pkg);
    return null;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'MODULE_NOT_FOUND') return `${pkg} is not installed`;
    return `${pkg} failed to load (${errorLine(e)})`;
  }
}

async function activate(name: string): Promise<string | null> {
  try {
    const ok = await tf.setBackend(name);
    await tf.ready();
    if (!ok || tf.getBackend() !== name) return `backend '${name}' did not initialise`;
    return null;
  } catch (e) {
    return `backend '${name}' failed (${errorLine(e)})`;
  }
}

async function tryTensorflow(): Promise<{ ok: boolean; notes: string[] }> {
  const notes: string[] = [];
  for (const pkg of NATIVE_PACKAGES) {
    const fail = loadNative(pkg);
    if (fail !== null) {
      notes.push(fail);
      continue;
    }
    const act = await activate('tensorflow');
    if (act === null) {
      notes.push(`loaded ${pkg}`);
      return { ok: true, notes };
    }
    notes.push(`${pkg} loaded but ${act}`);
  }
  return { ok: false, notes };
}

/**
 * Select and activate a tfjs backend. 'auto' tries native TensorFlow, then wasm, then cpu; a named
 * backend is required (an Error names why it could not be activated).
 */
export async function selectBackend(name: BackendName = 'auto'): Promise<BackendChoice> {
  silenceCpuBanner();
  if (name === 'tensorflow') {
    const r = await tryTensorflow();
    if (!r.ok) throw new Error(`tensorflow backend unavailable: ${r.notes.join('; ')}`);
    return { name: 'tensorflow', reason: `requested; ${r.notes.join('; ')}` };
  }
  if (name === 'wasm' || name === 'cpu') {
    const fail = await activate(name);
    if (fail !== null) throw new Error(fail);
    return { name, reason: 'requested' };
  }
  if (name !== 'auto') throw new Error(`unknown backend '${String(name)}' (known: auto, wasm, cpu, tensorflow)`);
  const notes: string[] = [];
  const native = await tryTensorflow();
  notes.push(...native.notes);
  if (native.ok) return { name: 'tensorflow', reason: `auto: ${notes.join('; ')}` };
  const wasmFail = await activate('wasm');
  if (wasmFail === null) return { name: 'wasm', reason: `auto: ${notes.join('; ')}; using wasm` };
  notes.push(wasmFail);
  const cpuFail = await activate('cpu');
  if (cpuFail === null) return { name: 'cpu', reason: `auto: ${notes.join('; ')}; using cpu` };
  notes.push(cpuFail);
  throw new Error(`no tfjs backend could be activated: ${notes.join('; ')}`);
}
