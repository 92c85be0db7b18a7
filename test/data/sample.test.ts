/**
 * The shipped SAMPLE dataset: every row maps to its capability and reward type; regenerating with the
 * documented seed gives byte-identical files; gold answers score 1 under the real rewards (ROUGE-L
 * just below 1: the `</think>` marker counts as a word); and the gold answers are re-derived here
 * from the prompt text alone, independently of the generator's own bookkeeping.
 */
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../lib/data/dataset.js';
import { writeDumpFixture } from '../../lib/data/rollout_dump.js';
import { generateSample, goldResponse, SAMPLE_BASENAME, SAMPLE_SEED, SAMPLE_TASKS, writeSample, type SampleRow } from '../../lib/data/sample_generator.js';
import { createTokenCounter } from '../../lib/data/tokens.js';
import { CAPABILITIES } from '../../lib/data/capabilities.js';
import { computeScore } from '../../lib/rewards/index.js';
import { TASK_METRIC_CONFIG } from '../../lib/rewards/subtasks.js';

const DIR = 'data/sample';
let rows: SampleRow[];
beforeAll(() => {
  rows = readFileSync(join(DIR, `${SAMPLE_BASENAME}.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
});
const byTask = (task: string) => rows.find((r) => r.extra_info.task === task)!;
const doc = (r: SampleRow) => r.prompt[0].content;
const answers = (r: SampleRow) => r.reward_model.ground_truth.doc_ids;

/** task → [data_source, extra_info.reward_mode, capability, reward type] */
const EXPECTED: Record<string, [string, string, string, string]> = {
  vault_code_lookup: ['EM', 'EM', 'precise_retrieval', 'EM'],
  invoice_supplier_lookup: ['EM', 'EM', 'precise_retrieval', 'EM'],
  top_client_choice: ['selection', 'selection', 'comprehension', 'selection'],
  event_year_choice: ['selection', 'selection', 'comprehension', 'selection'],
  invoice_paid_date: ['longbench_pro', 'T3.2 Single-Hop Fact QA', 'comprehension', 'Accuracy'],
  captain_birthplace: ['longbench_pro', 'T3.1 Multi-Doc Integration QA', 'comprehension', 'Accuracy'],
  key_holder_tracking: ['longbench_pro', 'T11.1 Long-Range Entity & Commitment Tracking', 'comprehension', 'Accuracy'],
  countersignature_violations: ['longbench_pro', 'T7.2 Targeted Rule or Condition Violation Detection', 'exhaustive_retrieval', 'F1'],
  cargo_reports: ['longbench_pro', 'T6.2 Targeted Subset Cluster Identification', 'exhaustive_retrieval', 'F1'],
  statement_citations: ['longbench_pro', 'T5.2 Key-Statement Citation Alignment', 'exhaustive_retrieval', 'F1'],
  supplier_totals: ['longbench_pro', 'T8.2 Single-Source Targeted Aggregation', 'structured_matching', 'SubEM'],
  crate_bins_state: ['longbench_pro', 'T8.3 Long-Context Procedural State Tracking', 'structured_matching', 'SubEM'],
  clerk_cipher: ['longbench_pro', 'T10.2 Targeted Example-Based Rule Induction', 'structured_matching', 'SubEM'],
  guild_mentions_ranking: ['longbench_pro', 'T1.1 Global Cohesive Retrieval', 'graded_ranking', 'NDCG'],
  passphrase_fragments: ['longbench_pro', 'T1.2 Key-Snippet Retrieval', 'graded_ranking', 'NDCG'],
  timeline_order: ['longbench_pro', 'T2.1 Global Timeline Reconstruction', 'sequence_ordering', 'Pairwise'],
  causal_chain_order: ['longbench_pro', 'T2.2 Local Causal Chain Sorting', 'sequence_ordering', 'Pairwise'],
  supplier_frequency_order: ['longbench_pro', 'T6.3 Global Frequency Analysis', 'sequence_ordering', 'Pairwise'],
  granary_summary: ['longbench_pro', 'T4.2 Query-Focused Summary', 'summarization', 'ROUGE-L'],
  ledger_summary: ['longbench_pro', 'T4.1 Global-Coverage Constrained Summary', 'summarization', 'ROUGE-L'],
  warehouse_summary_zh: ['longbench_pro', 'T4.1 Global-Coverage Constrained Summary', 'summarization', 'ROUGE-L'],
  client_total: ['math_longcot_math_verify', 'math_longcot_math_verify', 'numerical_reasoning', 'math_verify'],
  days_between_events: ['math_longcot_math_verify', 'math_longcot_math_verify', 'numerical_reasoning', 'math_verify'],
  ship_tonnage_sum: ['retrieval_calculate', 'retrieval_calculate', 'numerical_reasoning', 'math_verify'],
  warehouse_crates_sum: ['retrieval_calculate', 'retrieval_calculate', 'numerical_reasoning', 'math_verify'],
  departures_by_port: ['multitableqa_pretraining', 'multitableqa_pretraining', 'structured_extraction', 'IoU'],
  cargo_captains_join: ['multitableqa_pretraining', 'multitableqa_pretraining', 'structured_extraction', 'IoU'],
};

describe('SAMPLE dataset: contents', () => {
  it('every row validates and maps to the expected capability, reward type and reward mode; all 9 capabilities covered', async () => {
    const { rows: read } = await loadDataset(join(DIR, `${SAMPLE_BASENAME}.jsonl`));
    expect(read.map((r) => r.value.capability).sort()).toEqual(rows.map((r) => r.ability).sort());
    expect(Object.keys(EXPECTED).sort()).toEqual([...SAMPLE_TASKS].sort());
    for (const r of read) {
      const [ds, mode, cap, rt] = EXPECTED[r.raw.extra_info ? (r.raw.extra_info as { task: string }).task : ''];
      expect([r.value.data_source, r.value.sub_task, r.value.capability, r.value.reward_type]).toEqual([ds, mode, cap, rt]);
      expect(r.value.ability).toBe(cap);
      expect(r.value.reward_mode).toBe(TASK_METRIC_CONFIG[mode] ?? mode);
    }
    expect(new Set(read.map((r) => r.value.capability))).toEqual(new Set(CAPABILITIES));
    const metrics = new Set(read.filter((r) => r.value.data_source === 'longbench_pro').map((r) => TASK_METRIC_CONFIG[r.value.sub_task!]));
    expect(metrics).toEqual(new Set(['NDCG', 'Pairwise_Accuracy', 'Accuracy', 'F1_Score', 'SubEM', 'Summary']));
  });

  it('is labelled a SAMPLE everywhere: file names, a banner opening every prompt, extra_info.sample', () => {
    expect(readdirSync(DIR).filter((f) => f.startsWith(SAMPLE_BASENAME))).toEqual([`${SAMPLE_BASENAME}.jsonl`, `${SAMPLE_BASENAME}.parquet`]);
    for (const r of rows) {
      expect(doc(r).startsWith('SAMPLE —') || doc(r).startsWith('样例 ——')).toBe(true);
      expect(r.extra_info).toMatchObject({ sample: true, seed: SAMPLE_SEED });
    }
  });

  it('has exactly one Chinese summary row, with ground_truth.summary "Chinese"; the other LongBench-Pro rows say "English"', () => {
    const zh = rows.filter((r) => r.reward_model.ground_truth.summary === 'Chinese');
    expect(zh.map((r) => r.extra_info.task)).toEqual(['warehouse_summary_zh']);
    expect(rows.filter((r) => r.data_source === 'longbench_pro' && r.reward_model.ground_truth.summary !== 'English')).toEqual(zh);
  });

  it('prompts are long: 8K–64K Qwen3 tokens each (exact count of the chat-templated prompt)', async () => {
    const counter = await createTokenCounter({ cacheDir: null });
    const lengths = rows.map((r) => counter.countPrompt(r.prompt));
    for (const [i, n] of lengths.entries()) expect(n, rows[i].extra_info.task).toBeGreaterThanOrEqual(8_000);
    for (const [i, n] of lengths.entries()) expect(n, rows[i].extra_info.task).toBeLessThanOrEqual(64_000);
    expect(Math.max(...lengths)).toBeGreaterThan(48_000);
  });

  it('every gold answer scores 1 under computeScore (ROUGE-L ≥ 0.94), and every score is in [0, 1]', () => {
    for (const r of rows) {
      const score = computeScore({ data_source: r.data_source, response: goldResponse(r), ground_truth: r.reward_model.ground_truth, extra_info: r.extra_info });
      if (EXPECTED[r.extra_info.task][3] === 'ROUGE-L') {
        expect(score, r.extra_info.task).toBeGreaterThanOrEqual(0.94);
        expect(score, r.extra_info.task).toBeLessThan(1);
      } else expect(score, r.extra_info.task).toBe(1);
      // and a wrong answer does not
      const wrong = computeScore({ data_source: r.data_source, response: '<think>\n</think>\nI do not know.', ground_truth: r.reward_model.ground_truth, extra_info: r.extra_info });
      expect(wrong, r.extra_info.task).toBeGreaterThanOrEqual(0);
      expect(wrong, r.extra_info.task).toBeLessThan(0.5);
    }
  });
});

describe('SAMPLE dataset: reproducible', () => {
  it('regenerating with the documented seed gives byte-identical files (JSONL, parquet, rollout-dump fixture)', async () => {
    const out = mkdtempSync(join(tmpdir(), 'golongrl-sample-'));
    await writeSample(out);
    writeDumpFixture(out);
    const files = ['golongrl_SAMPLE_synthetic.jsonl', 'golongrl_SAMPLE_synthetic.parquet', 'rollout_dump_prompts.jsonl', ...readdirSync(join(DIR, 'rollout_dump')).map((f) => `rollout_dump/${f}`)];
    expect(files).toContain('rollout_dump/3.jsonl');
    for (const f of files) expect(readFileSync(join(out, f)).equals(readFileSync(join(DIR, f))), f).toBe(true);
    expect(readdirSync(join(out, 'rollout_dump'))).toEqual(readdirSync(join(DIR, 'rollout_dump')));
  });
  it('another seed gives other rows', () => {
    expect(JSON.stringify(generateSample(SAMPLE_SEED + 1))).not.toBe(JSON.stringify(generateSample(SAMPLE_SEED)));
  });
});

// ---------------------------------------------------------------------------------------------
// Gold answers re-derived from the prompt text

interface ParsedInvoice {
  id: string;
  date: string;
  supplier: string;
  client: string;
  amount: number;
  paid: string | null;
  countersigned: string | null | undefined;
}
const INVOICE_RE = /Invoice (INV-\d+), dated (\d{4}-\d\d-\d\d), was issued by (.+?) to (.+?) for (\d+) credits; (?:it was paid on (\d{4}-\d\d-\d\d)|it remains unpaid)\.( It was countersigned by ([^.]+)\.| It carries no countersignature\.)?/g;
function invoices(text: string): ParsedInvoice[] {
  return [...text.matchAll(INVOICE_RE)].map((m) => ({
    id: m[1],
    date: m[2],
    supplier: m[3],
    client: m[4],
    amount: Number(m[5]),
    paid: m[6] ?? null,
    countersigned: m[7] === undefined ? undefined : (m[8] ?? null),
  }));
}
const MONTH = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
function events(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/On (\d+) (\w+) (\d{4}), ([^.]+)\./g)) out.set(m[4], `${m[3]}-${String(MONTH.indexOf(m[2]) + 1).padStart(2, '0')}-${m[1].padStart(2, '0')}`);
  return out;
}
const question = (r: SampleRow) => r.extra_info.question;
const total = (xs: ParsedInvoice[]) => xs.reduce((a, i) => a + i.amount, 0);

describe('SAMPLE dataset: gold answers agree with the documents', () => {
  it('ledger tasks: supplier lookup, paid date, client total, supplier totals, frequency order, countersignature rule', () => {
    let r = byTask('invoice_supplier_lookup');
    let inv = invoices(doc(r));
    expect(inv).toHaveLength(50);
    expect(new Set(inv.map((i) => i.id)).size).toBe(50);
    const id = /invoice (INV-\d+)\?/.exec(question(r))![1];
    expect(r.reward_model.ground_truth.golden_label).toBe(inv.find((i) => i.id === id)!.supplier);

    r = byTask('invoice_paid_date');
    inv = invoices(doc(r));
    expect(answers(r)).toEqual([inv.find((i) => i.id === /invoice (INV-\d+) paid/.exec(question(r))![1])!.paid]);

    r = byTask('client_total');
    inv = invoices(doc(r));
    const client = /issued to (.+), paid or not/.exec(question(r))![1];
    expect(r.reward_model.ground_truth.golden_label).toBe(String(total(inv.filter((i) => i.client === client))));

    r = byTask('supplier_totals');
    inv = invoices(doc(r));
    for (const line of answers(r)) {
      const [name, sum] = line.split(': ');
      expect(Number(sum), name).toBe(total(inv.filter((i) => i.supplier === name)));
    }

    r = byTask('supplier_frequency_order');
    inv = invoices(doc(r));
    const counts = answers(r).map((s) => inv.filter((i) => i.supplier === s).length);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    expect(new Set(counts).size).toBe(counts.length);

    r = byTask('countersignature_violations');
    inv = invoices(doc(r));
    expect(doc(r)).toContain('every invoice for more than 5000 credits must be countersigned');
    expect(answers(r).sort()).toEqual(inv.filter((i) => i.amount > 5000 && i.countersigned === null).map((i) => i.id).sort());

    r = byTask('top_client_choice');
    inv = invoices(doc(r));
    const sums = new Map<string, number>();
    for (const i of inv) sums.set(i.client, (sums.get(i.client) ?? 0) + i.amount);
    const best = [...sums].sort((a, b) => b[1] - a[1])[0][0];
    expect(question(r)).toContain(`(${r.reward_model.ground_truth.golden_label}) ${best}\n`);
  });

  it('chronicle tasks: timeline order, event year, days between events', () => {
    let r = byTask('timeline_order');
    let ev = events(doc(r));
    const listed = [...question(r).matchAll(/\[(E\d+)\] (.+)/g)].map((m) => ({ label: m[1], date: ev.get(m[2])! }));
    expect(listed).toHaveLength(8);
    expect(answers(r)).toEqual([...listed].sort((a, b) => a.date.localeCompare(b.date)).map((e) => e.label));

    r = byTask('event_year_choice');
    ev = events(doc(r));
    const what = /recorded that (.+)\?\n/.exec(question(r))![1];
    expect(question(r)).toContain(`(${r.reward_model.ground_truth.golden_label}) ${ev.get(what)!.slice(0, 4)}\n`);

    r = byTask('days_between_events');
    ev = events(doc(r));
    const [, a, b] = /between the day (.+) and the day (.+)\?/.exec(question(r))!;
    const days = (Date.parse(ev.get(b)!) - Date.parse(ev.get(a)!)) / 86_400_000;
    expect(r.reward_model.ground_truth.golden_label).toBe(String(days));
  });

  it('state tracking: crate bins replayed in text order, key holder followed through the day book', () => {
    let r = byTask('crate_bins_state');
    const bins = new Map<string, number>();
    for (const m of doc(r).matchAll(/bin ([A-E]) held (\d+) crates/g)) bins.set(m[1], Number(m[2]));
    for (const m of doc(r).matchAll(/(moved|added|removed) (\d+) crates (?:from bin ([A-E]) to bin ([A-E])|to bin ([A-E])|from bin ([A-E]))/g)) {
      const n = Number(m[2]);
      if (m[1] === 'moved') {
        bins.set(m[3], bins.get(m[3])! - n);
        bins.set(m[4], bins.get(m[4])! + n);
      } else if (m[1] === 'added') bins.set(m[5], bins.get(m[5])! + n);
      else bins.set(m[6], bins.get(m[6])! - n);
    }
    expect(answers(r)).toEqual([...'ABCDE'].map((b) => `Bin ${b}: ${bins.get(b)}`));

    r = byTask('key_holder_tracking');
    const key = 'the brass key to the tide-gauge house';
    let holder = new RegExp(`([A-Z][a-z]+ [A-Z][a-z]+) held ${key}`).exec(doc(r))![1];
    for (const m of doc(r).matchAll(new RegExp(`([A-Z][a-z]+ [A-Z][a-z]+) handed ${key} to ([A-Z][a-z]+ [A-Z][a-z]+)\\.`, 'g'))) {
      expect(m[1]).toBe(holder);
      holder = m[2];
    }
    expect(answers(r)).toEqual([holder]);
  });

  it('corpus tasks: retrieval + calculation, subset, ranking, citations', () => {
    let r = byTask('ship_tonnage_sum');
    const docs = doc(r).split(/(?=<\|doc_\d+\|>\n)/);
    const [, s1, s2] = /tonnage of the (.+) and the (.+)\? Reply/.exec(question(r))!;
    const where = (ship: string) => docs.filter((d) => d.includes(`lists the ${ship} at`));
    const tonnes = (ship: string) => Number(new RegExp(`lists the ${ship} at (\\d+) tonnes`).exec(doc(r))![1]);
    expect(where(s1)).toHaveLength(1);
    expect(r.reward_model.ground_truth.golden_label).toBe(String(tonnes(s1) + tonnes(s2)));
    expect(answers(r).sort()).toEqual([where(s1)[0], where(s2)[0]].map((d) => /^<\|doc_\d+\|>/.exec(d)![0]).sort());

    const corpus = (rr: SampleRow) => new Map(doc(rr).split(/(?=\[Doc \d+\]\n)/).filter((d) => d.startsWith('[Doc')).map((d) => [/^\[(Doc \d+)\]/.exec(d)![1], d]));
    r = byTask('cargo_reports');
    const cargo = /cargoes of (.+)\? List/.exec(question(r))![1];
    expect(answers(r)).toEqual([...corpus(r)].filter(([, d]) => d.includes(`cargo of ${cargo} at`)).map(([k]) => k));

    r = byTask('guild_mentions_ranking');
    const counts = [...corpus(r)].map(([k, d]) => [k, d.split('The Lantern Guild').length - 1] as const).filter(([, n]) => n > 0);
    expect(answers(r)).toEqual([...counts].sort((a, b) => b[1] - a[1]).map(([k]) => k));

    r = byTask('statement_citations');
    expect(answers(r)).toEqual([...corpus(r)].filter(([, d]) => d.includes('the west bridge was closed for repairs')).map(([k]) => k));
  });

  it('tables and cipher: departures by port (IoU gold), the clerk cipher', () => {
    let r = byTask('departures_by_port');
    const port = /bound for (.+) as \[/.exec(question(r))![1];
    const rows = [...doc(r).matchAll(/^\| (.+) \| (.+) \| (\d+) \| (.+) \|$/gm)].filter((m) => m[4] === port).map((m) => [m[1], m[2], Number(m[3])]);
    expect(JSON.parse(r.reward_model.ground_truth.golden_label)).toEqual({ data: rows });

    r = byTask('clerk_cipher');
    for (const m of doc(r).matchAll(/cipher, ([A-Z]+) is written ([A-Z]+-\d+)\./g)) expect(m[2]).toBe(`${[...m[1]].reverse().join('')}-${m[1].length}`);
    const asked = /how are (.+) written\?/.exec(question(r))![1].split(', ');
    expect(answers(r)).toEqual(asked.map((w) => `${[...w].reverse().join('')}-${w.length}`));
  });
});
