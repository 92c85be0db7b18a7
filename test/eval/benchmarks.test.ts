/**
 * The six benchmarks as data and their job specs, against GOLONGRL.md §E and the reference scripts.
 * Boundary: vLLM, evalscope and the judge are not installable here, so these tests check the generated
 * argv/script against the documented command lines (ports, TP, max-model-len, YaRN JSON, driver flags),
 * that no secret value appears anywhere, and that the script is valid bash (`bash -n`).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BENCHMARK_IDS, BENCHMARKS, evalJobSpec, HEADLINE, sixBenchmarkAverage, vllmServeArgv } from '../../lib/eval/benchmarks.js';
import { mergeJobSpec, planMerge } from '../../lib/eval/merge.js';

const judge = { baseUrl: 'https://judge.example/v1', model: 'deepseek-chat' };

describe('benchmarks as data (GOLONGRL.md §E)', () => {
  it('serving and driver settings match the reference scripts', () => {
    expect(BENCHMARK_IDS).toHaveLength(6);
    expect(BENCHMARKS.docmath.variants[0].serving).toMatchObject({ port: 8802, tensorParallel: 8, maxModelLen: 182272 });
    expect(BENCHMARKS.frames.variants[0].serving).toMatchObject({ port: 8001, tensorParallel: 8 });
    expect(BENCHMARKS.mrcr.variants[0].serving).toMatchObject({ port: 8000, tensorParallel: 4, maxModelLen: 182272 });
    expect(BENCHMARKS.corpusqa.variants[0].serving).toMatchObject({ port: 7000, tensorParallel: 8 });
    expect(BENCHMARKS.lbv1qa.variants[0].serving).toMatchObject({ port: 8002, tensorParallel: 8 });
    for (const b of Object.values(BENCHMARKS)) expect(b.generation).toEqual({ temperature: 0.7, top_p: 0.95, max_tokens: 51200 });
  });

  it('YaRN variants: exact vLLM flags of the 512K and 1M scripts', () => {
    const m1 = BENCHMARKS.mrcr.variants.find((v) => v.name === '512k-1m');
    expect(vllmServeArgv('/m', 'ckpt', m1!.serving)).toEqual([
      'python', '-m', 'vllm.entrypoints.openai.api_server', '--model', '/m', '--served-model-name', 'ckpt', '--tensor-parallel-size', '8', '--max-model-len', '1048576',
      '--gpu-memory-utilization', '0.95', '--max-num-seqs', '4', '--max-num-batched-tokens', '65536',
      '--rope-scaling', '{"rope_type":"yarn","factor":4,"original_max_position_embeddings":262144}', '--port', '8002',
    ]);
    const m512 = BENCHMARKS.mrcr.variants.find((v) => v.name === '128k-512k')!.serving;
    expect(m512).toMatchObject({ maxModelLen: 524288, maxNumSeqs: 8, ropeScaling: { factor: 2 } });
    const c1 = BENCHMARKS.corpusqa.variants.find((v) => v.name === '1m')!.serving;
    expect(c1).toMatchObject({ maxModelLen: 1048576, maxNumSeqs: 6, ropeScaling: { factor: 4, original_max_position_embeddings: 262144 } });
  });

  it('evalJobSpec: vLLM + health + driver; key by name only; valid bash', () => {
    const canary = 'sk-CANARY-0123456789';
    const old = process.env.ARK_API_KEY;
    process.env.ARK_API_KEY = canary;
    try {
      for (const id of BENCHMARK_IDS) {
        for (const v of BENCHMARKS[id].variants) {
          const spec = evalJobSpec(id, { modelPath: '/ckpt/global_step_5/actor/huggingface', step: 5, run: 'r' }, { evalRoot: '/eval', variant: v.name, judge });
          const text = JSON.stringify(spec);
          expect(text).not.toContain(canary);
          expect(spec.payload.kind).toBe('command');
          const script = (spec.payload as { argv: readonly string[] }).argv[2];
          expect(script).toContain('vllm.entrypoints.openai.api_server');
          expect(script).toMatch(new RegExp(`--port'? '?${v.serving.port}'?\\s`));
          expect(spec.resources.gpusPerNode).toBe(v.serving.tensorParallel);
          if (BENCHMARKS[id].judge !== 'none') {
            expect(spec.secretEnv).toEqual(['ARK_API_KEY']);
            expect(spec.env.JUDGE_BASE_URL).toBe(judge.baseUrl);
          } else expect(spec.secretEnv).toEqual([]);
          if (v.serving.ropeScaling) expect(script).toContain('export VLLM_ALLOW_LONG_MAX_MODEL_LEN=1');
          const dir = mkdtempSync(join(tmpdir(), 'golongrl-spec-'));
          writeFileSync(join(dir, 's.sh'), script);
          const r = spawnSync('bash', ['-n', join(dir, 's.sh')]);
          expect(r.status, r.stderr.toString()).toBe(0);
        }
      }
      const cq = evalJobSpec('corpusqa', { modelPath: '/m' }, { evalRoot: '/eval', judge });
      expect((cq.payload as { argv: readonly string[] }).argv[2]).toContain('--judge_api_key "$ARK_API_KEY"');
      expect(() => evalJobSpec('lbv1qa', { modelPath: '/m' }, { evalRoot: '/eval', judge: {} })).toThrow(/needs a judge/);
      expect(() => evalJobSpec('nope', { modelPath: '/m' }, { evalRoot: '/eval' })).toThrow(/unknown benchmark/);
    } finally {
      if (old === undefined) delete process.env.ARK_API_KEY;
      else process.env.ARK_API_KEY = old;
    }
  });

  it('the script expands the key at run time only (executed with stub vllm/curl/python)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'golongrl-run-'));
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'curl'), '#!/bin/sh\nprintf 200\n', { mode: 0o755 });
    // "python": the vLLM server stub sleeps; the driver stub records its argv.
    writeFileSync(join(bin, 'python'), `#!/bin/sh\nif [ "$2" = vllm.entrypoints.openai.api_server ]; then sleep 30; exit 0; fi\nprintf '%s\\n' "$@" > ${JSON.stringify(join(dir, 'argv.txt'))}\n`, { mode: 0o755 });
    const spec = evalJobSpec('corpusqa', { modelPath: '/m' }, { evalRoot: dir, outputDir: join(dir, 'out'), judge });
    const argv = (spec.payload as { argv: readonly string[] }).argv;
    const r = spawnSync(argv[0], argv.slice(1), { env: { PATH: `${bin}:/usr/bin:/bin`, ARK_API_KEY: 'k-123', ...spec.env }, timeout: 20_000 });
    expect(r.status, r.stderr.toString()).toBe(0);
    const got = spawnSync('cat', [join(dir, 'argv.txt')]).stdout.toString().split('\n');
    expect(got[got.indexOf('--judge_api_key') + 1]).toBe('k-123');
    expect(got[got.indexOf('--judge_base_url') + 1]).toBe(judge.baseUrl);
    expect(got[got.indexOf('--concurrency') + 1]).toBe('8');
  });
});

describe('six-benchmark average', () => {
  it('reproduces the README Avg column from the six columns (GOLONGRL.md §E table)', () => {
    const table: [number, number[]][] = [
      [63.0, [62.3, 47.1, 67.4, 65.5, 69.6, 65.9]],
      [62.2, [62.5, 45.5, 66.6, 67.5, 65.1, 65.9]],
      [69.8, [65.3, 55.1, 74.5, 81.6, 73.6, 68.7]],
      [53.0, [61.0, 40.2, 64.4, 38.4, 49.9, 64.0]],
    ];
    for (const [avg, cols] of table) {
      const rows = BENCHMARK_IDS.map((id, i) => ({ benchmark: id, metric: HEADLINE[id].metric, value: cols[i] / HEADLINE[id].scale }));
      const r = sixBenchmarkAverage(rows);
      expect(r.missing).toEqual([]);
      expect(Number((r.average as number).toFixed(1))).toBe(avg);
    }
  });
  it('is null with the missing benchmarks named', () => {
    const r = sixBenchmarkAverage([{ benchmark: 'mrcr', metric: 'overall', value: 50 }]);
    expect(r.average).toBeNull();
    expect(r.columns).toEqual({ mrcr: 50 });
    expect(r.missing).toEqual(['docmath', 'longbench_v2', 'frames', 'corpusqa', 'lbv1qa']);
  });
});

describe('merge (verl.model_merger)', () => {
  const layout = (files: string[]) => {
    const d = mkdtempSync(join(tmpdir(), 'golongrl-merge-'));
    for (const f of files) {
      mkdirSync(join(d, f, '..'), { recursive: true });
      writeFileSync(join(d, f), 'x');
    }
    return d;
  };
  it('not needed when actor/huggingface holds weights', () => {
    const d = layout(['actor/huggingface/config.json', 'actor/huggingface/model-00001-of-00002.safetensors']);
    expect(planMerge(d)).toMatchObject({ needed: false, modelPath: join(d, 'actor', 'huggingface') });
  });
  it('megatron and fsdp merges as argv job specs', () => {
    const m = layout(['actor/huggingface/config.json', 'actor/dist_ckpt/__0_0.distcp']);
    const p = planMerge(m);
    expect(p.needed).toBe(true);
    if (!p.needed) return;
    const spec = mergeJobSpec(p, { tieWordEmbedding: true });
    expect(spec.payload).toEqual({ kind: 'command', argv: ['python3', '-m', 'verl.model_merger', 'merge', '--backend', 'megatron', '--local_dir', join(m, 'actor'), '--target_dir', join(m, 'actor', 'huggingface_merged'), '--tie-word-embedding', '--use_cpu_initialization'] });
    const f = layout(['actor/huggingface/config.json', 'actor/model_world_size_8_rank_0.pt']);
    expect(planMerge(f)).toMatchObject({ needed: true, backend: 'fsdp' });
    expect(() => planMerge(layout(['actor/huggingface/config.json']))).toThrow(/no model weights/);
  });
});
