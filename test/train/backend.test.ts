/**
 * Tests for lib/train/backend.ts: explicit cpu/wasm selection agree on a matmul; 'auto' falls back;
 * lib/train loads as CommonJS with require(esm) off, as in the tslab notebook kernel.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../lib/train/backend.js';
import { Rng } from '../../lib/util/random.js';

function matmulOn(a: Float32Array, b: Float32Array): Float32Array {
  return tf.tidy(() => tf.matMul(tf.tensor2d(a, [5, 7]), tf.tensor2d(b, [7, 3])).dataSync() as Float32Array);
}

describe('selectBackend', () => {
  it("'cpu' and 'wasm' both select and compute the same matmul within 1e-5", async () => {
    const rng = new Rng(7);
    const a = Float32Array.from({ length: 35 }, () => rng.normal());
    const b = Float32Array.from({ length: 21 }, () => rng.normal());
    const cpu = await selectBackend('cpu');
    expect(cpu.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    const onCpu = matmulOn(a, b);
    const wasm = await selectBackend('wasm');
    expect(wasm.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    const onWasm = matmulOn(a, b);
    expect(onCpu.length).toBe(15);
    for (let i = 0; i < 15; i++) expect(Math.abs(onCpu[i] - onWasm[i])).toBeLessThan(1e-5);
    // And both match a plain JS matmul.
    for (let i = 0; i < 5; i++)
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let k = 0; k < 7; k++) s += a[i * 7 + k] * b[k * 3 + j];
        expect(Math.abs(onCpu[i * 3 + j] - s)).toBeLessThan(1e-5);
      }
  });

  it("'auto' falls back to wasm here, naming the missing native package", async () => {
    const choice = await selectBackend('auto');
    expect(choice.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(choice.reason).toContain('@tensorflow/tfjs-node-gpu is not installed');
  });

  it("'tensorflow' fails cleanly with the reason when no native binding is installed", async () => {
    await expect(selectBackend('tensorflow')).rejects.toThrow(/tfjs-node-gpu is not installed/);
    await selectBackend('cpu');
  });
});

describe('lib/train under CommonJS with require(esm) off (the tslab kernel)', () => {
  it('loads backend, policy and loss, selects a backend and takes a loss step', () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const out = mkdtempSync(join(tmpdir(), 'golongrl-train-cjs-'));
    try {
      for (const rel of ['lib/train/backend.ts', 'lib/train/policy.ts', 'lib/train/loss.ts', 'lib/util/random.ts', ...readdirSync(join(root, 'lib/train/engine')).filter((f) => f.endsWith('.ts')).map((f) => `lib/train/engine/${f}`)]) {
        const src = readFileSync(join(root, rel), 'utf8');
        const js = ts.transpileModule(src, {
          compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
        }).outputText;
        mkdirSync(dirname(join(out, rel)), { recursive: true });
        writeFileSync(join(out, rel.replace(/\.ts$/, '.js')), js);
      }
      const script = `
        const tf = require('@tensorflow/tfjs');
        const { selectBackend } = require('./lib/train/backend.js');
        const { Policy } = require('./lib/train/policy.js');
        const { computePolicyLoss } = require('./lib/train/loss.js');
        (async () => {
          const choice = await selectBackend('auto');
          const p = new Policy({ vocabSize: 5, dModel: 8, nHeads: 2, nLayers: 1, maxLen: 6, seed: 1 });
          const seq = tf.tensor2d([[1, 2, 3, 4]], [1, 4], 'int32');
          const old = p.responseLogProbs(seq, 2);
          const { loss, metrics } = computePolicyLoss({ logProbs: p.responseLogProbs(seq, 2), oldLogProbs: old, advantages: tf.tensor1d([1]), responseMask: tf.ones([1, 2]) });
          console.log(JSON.stringify({ backend: choice.name, loss: loss.dataSync()[0], kl: metrics['actor/ppo_kl'] }));
        })().catch((e) => { console.error(e); process.exit(1); });
      `;
      const noRequireEsm = (process.features as { require_module?: boolean }).require_module !== undefined ? ['--no-experimental-require-module'] : [];
      const r = spawnSync(process.execPath, [...noRequireEsm, '-e', script], {
        cwd: out,
        encoding: 'utf8',
        env: { ...process.env, NODE_PATH: join(root, 'node_modules') },
      });
      expect(r.status, r.stderr).toBe(0);
      const res = JSON.parse(r.stdout.trim().split('\n').pop() ?? '');
      expect(res.backend).toBe('wasm');
      expect(res.loss).toBeCloseTo(-1, 5);
      expect(res.kl).toBeCloseTo(0, 6);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
