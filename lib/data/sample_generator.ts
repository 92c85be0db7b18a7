/**
 * The SAMPLE dataset generator: a small, seeded, reproducible dataset in the exact GoLongRL record
 * shape (lib/data/schema.ts), built from clearly synthetic documents (lib/data/documents.ts).
 *
 * 27 rows cover all nine capability types and every reward type: EM, selection, math_verify
 * (`math_longcot_math_verify` and `retrieval_calculate`), IoU (`multitableqa_pretraining`) and 16
 * LongBench-Pro sub-tasks spread over all six metrics (NDCG, Pairwise_Accuracy, Accuracy, F1_Score,
 * SubEM, Summary), one of them a Chinese summary (`ground_truth.summary == "Chinese"`). Prompts run
 * from about 9K to 56K Qwen3 tokens. Each task plants facts in filler prose (a ledger of invoices, a
 * chronicle of dated events, a corpus of short reports, tables, a cipher, crate movements …) and
 * computes its gold answer from the facts it planted. Every row says it is a sample: the file names
 * contain SAMPLE, each prompt opens with a banner, and `extra_info` carries `"sample": true`.
 *
 * Reproducible: the same seed gives byte-identical files (tested). Regenerate with
 *
 *     npx golongrl data sample --out data/sample            # seed 20250611, the shipped files
 *
 * `iterateSyntheticRows` draws endless rows from the same task builders with random lengths (the
 * 2 GB benchmark uses it).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { subTaskMetric } from './subtasks.js';
import { capabilityOf, type Capability } from './capabilities.js';
import { Rng } from '../util/random.js';
import { importEsm } from './esm.cjs';
import {
  CARGO,
  CHARS_PER_TOKEN,
  CLIENTS,
  PEOPLE,
  PORTS,
  SAMPLE_BANNER,
  SAMPLE_BANNER_ZH,
  SUPPLIERS,
  composeCorpus,
  composeDocument,
  daysBetween,
  distinctInts,
  eventSentence,
  invoiceSentence,
  isoDate,
  makeEvents,
  makeLedger,
  markdownTable,
  pickDistinct,
  randomDate,
  shipNames,
  type Invoice,
  type Lang,
} from './documents.js';
import { mkdirp } from '../util/fsx.js';

export const SAMPLE_SEED = 20250611;
export const SAMPLE_BASENAME = 'golongrl_SAMPLE_synthetic';
export const GENERATOR_ID = 'golongrl-lab lib/data/sample_generator.ts v1';

/** A row exactly as written to the sample files (GoLongRL / verl record shape). */
export interface SampleRow {
  data_source: string;
  prompt: { role: 'user'; content: string }[];
  ability: Capability;
  reward_model: { style: 'rule'; ground_truth: { golden_label: string; doc_ids: string[]; summary: string } };
  extra_info: {
    reward_mode: string;
    question: string;
    index: number;
    task: string;
    sample: true;
    generator: string;
    seed: number;
  };
}

interface Built {
  document: string;
  question: string;
  /** The gold answer: the list LongBench-Pro scores against, or [label] for the other rewards. */
  doc_ids: string[];
  golden_label: string;
}

interface TaskSpec {
  task: string;
  data_source: string;
  /** LongBench-Pro sub-task (extra_info.reward_mode); the other data sources use their own name. */
  sub_task?: string;
  lang: Lang;
  /** Target prompt length in Qwen3 tokens for the shipped sample. */
  tokens: number;
  build(rng: Rng, chars: number): Built;
}

const LIST_FORMAT =
  'Think it through, then give your final answer after a line containing only [Answer], one item per line and nothing else after it.';
const docId = (i: number) => `Doc ${i}`;
const docHeading = (i: number) => `[Doc ${i}]`;
const specialDocId = (i: number) => `<|doc_${i}|>`;

function sumBy<T>(xs: readonly T[], key: (x: T) => string, val: (x: T) => number): Map<string, number> {
  const m = new Map<string, number>();
  for (const x of xs) m.set(key(x), (m.get(key(x)) ?? 0) + val(x));
  return m;
}

function ledgerHeader(title: string): string {
  return `${title}\nThe entries below were copied from the counting-house ledger of Velmora, interleaved with the clerk's notes. All amounts are in credits.`;
}

/** Make `k` answer choices (with `answer` among them) and return the question text and gold letter. */
function choices(rng: Rng, answer: string, others: readonly string[]): { text: string; letter: string } {
  const opts = rng.shuffle([answer, ...pickDistinct(rng, others.filter((o) => o !== answer), 3)]);
  const letter = 'ABCD'[opts.indexOf(answer)];
  return { text: opts.map((o, i) => `(${'ABCD'[i]}) ${o}`).join('\n'), letter };
}

// ---------------------------------------------------------------------------------------------
// The tasks

const CAUSAL_CHAINS: readonly (readonly string[])[] = [
  [
    'a storm cracked the sluice gate at Dunmere',
    'the lower canal flooded',
    'the salt stores were carried up to the chapel loft',
    'the salt merchants raised their prices',
    'the fishing crews salted less of their catch',
    'the winter fish market was half empty',
  ],
  [
    'the lamp oil shipment from Parlow was delayed',
    'the signal lanterns on the breakwater went dark',
    'the Silver Plover ran aground on the outer bank',
    'the harbour was closed for two days',
    'the spring fair was postponed',
    'the stallholders demanded compensation from the council',
  ],
  [
    'the ropewalk foreman fell ill',
    'the new mooring lines were not finished',
    'the Grey Heron could not be secured at the east quay',
    'the Grey Heron unloaded at Castell instead',
    'the timber for the west bridge arrived late',
    'the west bridge stayed closed through the autumn',
  ],
];

const CIPHER_WORDS = ['GRAIN', 'SLATE', 'TIMBER', 'SALT', 'WOOL', 'ROPE', 'TALLOW', 'ANCHOR', 'HARBOUR', 'LANTERN', 'FERRY', 'BARREL', 'CANVAS', 'PEWTER', 'COPPER', 'MARKET', 'BRIDGE', 'ESTUARY'];
const cipher = (w: string) => `${[...w].reverse().join('')}-${w.length}`;

const ZH_ACTORS = ['灯笼行会', '镇议会', '渡工工会', '港务长', '河道法院', '海关办公室', '粮仓看守们'];
const ZH_ACTIONS = ['修建了', '扩建了', '检查了', '重新粉刷了', '出租了', '加固了', '关闭了', '重新开放了', '测量了'];
const ZH_OBJECTS_OTHER = ['南仓', '西仓', '盐仓', '渡口', '钟楼', '鱼市'];

function vaultCode(rng: Rng): string {
  const L = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
  return `${rng.pick([...L])}${rng.pick([...L])}-${rng.int(1000, 10000)}-${rng.pick([...L])}`;
}

const TASKS: readonly TaskSpec[] = [
  {
    task: 'vault_code_lookup',
    data_source: 'EM',
    lang: 'en',
    tokens: 9_000,
    build(rng, chars) {
      const vaults = distinctInts(rng, 40, 1, 400);
      const codes = new Set<string>();
      while (codes.size < vaults.length) codes.add(vaultCode(rng));
      const code = [...codes];
      const wings = ['east', 'west', 'north', 'south', 'river', 'upper'];
      const facts = vaults.map((v, i) => `During the audit, the keeper confirmed that Vault ${v} in the ${rng.pick(wings)} wing now opens with the code ${code[i]}.`);
      const t = rng.int(0, vaults.length);
      return {
        document: composeDocument(rng, { facts, targetChars: chars, lang: 'en', header: 'Keeper\'s notes on the strong rooms of the Velmora counting house.' }),
        question: `What code opens Vault ${vaults[t]}? After your reasoning, reply with the code only.`,
        doc_ids: [code[t]],
        golden_label: code[t],
      };
    },
  },
  {
    task: 'invoice_supplier_lookup',
    data_source: 'EM',
    lang: 'en',
    tokens: 12_000,
    build(rng, chars) {
      const ledger = makeLedger(rng, { count: 50 });
      const t = rng.int(0, ledger.length);
      return {
        document: composeDocument(rng, { facts: ledger.map(invoiceSentence), targetChars: chars, lang: 'en', header: ledgerHeader('Ledger of 1874') }),
        question: `Which supplier issued invoice ${ledger[t].id}? After your reasoning, reply with the supplier's name only.`,
        doc_ids: [ledger[t].supplier],
        golden_label: ledger[t].supplier,
      };
    },
  },
  {
    task: 'top_client_choice',
    data_source: 'selection',
    lang: 'en',
    tokens: 16_000,
    build(rng, chars) {
      let ledger: Invoice[];
      let ranked: [string, number][];
      do {
        ledger = makeLedger(rng, { count: 60 });
        ranked = [...sumBy(ledger, (i) => i.client, (i) => i.amount)].sort((a, b) => b[1] - a[1]);
      } while (ranked.length < 4 || ranked[0][1] === ranked[1][1]);
      const c = choices(rng, ranked[0][0], ranked.slice(1).map((r) => r[0]));
      return {
        document: composeDocument(rng, { facts: ledger.map(invoiceSentence), targetChars: chars, lang: 'en', header: ledgerHeader('Ledger of 1874') }),
        question: `Across all invoices in the ledger, paid or not, which client was billed the largest total amount?\n${c.text}\nEnd your reply with "The correct answer is (X)", where X is A, B, C or D.`,
        doc_ids: [c.letter],
        golden_label: c.letter,
      };
    },
  },
  {
    task: 'event_year_choice',
    data_source: 'selection',
    lang: 'en',
    tokens: 10_000,
    build(rng, chars) {
      const events = makeEvents(rng, 30);
      const t = rng.int(0, events.length);
      const year = events[t].date.slice(0, 4);
      const years: string[] = [];
      for (let y = 1861; y <= 1889; y++) years.push(String(y));
      const c = choices(rng, year, years);
      return {
        document: composeDocument(rng, { facts: events.map(eventSentence), targetChars: chars, lang: 'en', header: 'From the chronicle of Velmora, 1861–1889.' }),
        question: `In which year is it recorded that ${events[t].what}?\n${c.text}\nEnd your reply with "The correct answer is (X)", where X is A, B, C or D.`,
        doc_ids: [c.letter],
        golden_label: c.letter,
      };
    },
  },
  {
    task: 'invoice_paid_date',
    data_source: 'longbench_pro',
    sub_task: 'T3.2 Single-Hop Fact QA',
    lang: 'en',
    tokens: 12_000,
    build(rng, chars) {
      const ledger = makeLedger(rng, { count: 50 });
      const paid = ledger.filter((i) => i.paid);
      const t = rng.pick(paid);
      return {
        document: composeDocument(rng, { facts: ledger.map(invoiceSentence), targetChars: chars, lang: 'en', header: ledgerHeader('Ledger of 1874') }),
        question: `On what date was invoice ${t.id} paid? Give the date as YYYY-MM-DD. ${LIST_FORMAT}`,
        doc_ids: [t.paid!],
        golden_label: t.paid!,
      };
    },
  },
  {
    task: 'captain_birthplace',
    data_source: 'longbench_pro',
    sub_task: 'T3.1 Multi-Doc Integration QA',
    lang: 'en',
    tokens: 20_000,
    build(rng, chars) {
      const ships = shipNames(rng, 10);
      const captains = pickDistinct(rng, PEOPLE, 10);
      const born = captains.map(() => rng.pick(PORTS));
      const docs = 12;
      const facts: string[][] = Array.from({ length: docs + 1 }, () => []);
      ships.forEach((s, i) => {
        const a = rng.int(1, docs + 1);
        let b = rng.int(1, docs + 1);
        while (b === a) b = rng.int(1, docs + 1);
        facts[a].push(`The ${s} is captained by ${captains[i]}.`);
        facts[b].push(`${captains[i]} was born in ${born[i]}.`);
      });
      const t = rng.int(0, ships.length);
      return {
        document: composeCorpus(rng, { docs, targetChars: chars, lang: 'en', heading: docHeading, facts: (i) => facts[i] }),
        question: `In which port was the captain of the ${ships[t]} born? Answer with the port's name. ${LIST_FORMAT}`,
        doc_ids: [born[t]],
        golden_label: born[t],
      };
    },
  },
  {
    task: 'key_holder_tracking',
    data_source: 'longbench_pro',
    sub_task: 'T11.1 Long-Range Entity & Commitment Tracking',
    lang: 'en',
    tokens: 56_000,
    build(rng, chars) {
      const objects = ['the brass key to the tide-gauge house', 'the copper harbour seal', 'the green toll register'];
      const chains = objects.map((obj, k) => {
        let holder = rng.pick(PEOPLE);
        const out = [`At the opening of the season, ${holder} held ${obj}.`];
        for (let j = 0; j < (k === 0 ? 12 : 7); j++) {
          let next = rng.pick(PEOPLE);
          while (next === holder) next = rng.pick(PEOPLE);
          out.push(`${holder} handed ${obj} to ${next}.`);
          holder = next;
        }
        return { out, holder };
      });
      // interleave the chains, keeping each chain's order
      const facts: string[] = [];
      const pos = chains.map(() => 0);
      while (facts.length < chains.reduce((a, c) => a + c.out.length, 0)) {
        const k = rng.int(0, chains.length);
        if (pos[k] < chains[k].out.length) facts.push(chains[k].out[pos[k]++]);
      }
      return {
        document: composeDocument(rng, { facts, targetChars: chars, lang: 'en', keepOrder: true, header: 'Day book of the Velmora harbour office, one season.' }),
        question: `Who holds ${objects[0]} at the end of the day book? Give the full name. ${LIST_FORMAT}`,
        doc_ids: [chains[0].holder],
        golden_label: chains[0].holder,
      };
    },
  },
  {
    task: 'countersignature_violations',
    data_source: 'longbench_pro',
    sub_task: 'T7.2 Targeted Rule or Condition Violation Detection',
    lang: 'en',
    tokens: 16_000,
    build(rng, chars) {
      let ledger: Invoice[];
      let bad: Invoice[];
      do {
        ledger = makeLedger(rng, { count: 60 });
        for (const inv of ledger) {
          if (inv.amount > 5000) inv.countersigned = rng.bernoulli(0.7) ? rng.pick(PEOPLE) : null;
          else if (rng.bernoulli(0.2)) inv.countersigned = null;
        }
        bad = ledger.filter((i) => i.amount > 5000 && i.countersigned === null);
      } while (bad.length < 2);
      return {
        document: composeDocument(rng, {
          facts: ledger.map(invoiceSentence),
          targetChars: chars,
          lang: 'en',
          header: `${ledgerHeader('Ledger of 1874')}\nStanding rule of the counting house: every invoice for more than 5000 credits must be countersigned.`,
        }),
        question: `Which invoices break the standing rule of the counting house? List their ids. ${LIST_FORMAT}`,
        doc_ids: bad.map((i) => i.id),
        golden_label: bad.map((i) => i.id).join('\n'),
      };
    },
  },
  {
    task: 'cargo_reports',
    data_source: 'longbench_pro',
    sub_task: 'T6.2 Targeted Subset Cluster Identification',
    lang: 'en',
    tokens: 20_000,
    build(rng, chars) {
      const docs = 16;
      const cargos = pickDistinct(rng, CARGO, 5);
      let topic: string[];
      do topic = Array.from({ length: docs + 1 }, () => rng.pick(cargos));
      while (topic.slice(1).filter((c) => c === cargos[0]).length < 2);
      const ships = shipNames(rng, docs * 2);
      const facts = (i: number) => [0, 1].map((k) => `The ${ships[2 * (i - 1) + k]} unloaded a cargo of ${topic[i]} at the ${rng.pick(PORTS)} quay.`);
      const gold = [];
      for (let i = 1; i <= docs; i++) if (topic[i] === cargos[0]) gold.push(docId(i));
      return {
        document: composeCorpus(rng, { docs, targetChars: chars, lang: 'en', heading: docHeading, facts }),
        question: `Which documents report cargoes of ${cargos[0]}? List the document ids in the form "Doc N". ${LIST_FORMAT}`,
        doc_ids: gold,
        golden_label: gold.join('\n'),
      };
    },
  },
  {
    task: 'statement_citations',
    data_source: 'longbench_pro',
    sub_task: 'T5.2 Key-Statement Citation Alignment',
    lang: 'en',
    tokens: 14_000,
    build(rng, chars) {
      const docs = 14;
      const support = distinctInts(rng, rng.int(3, 5), 1, docs + 1).sort((a, b) => a - b);
      const decoys = distinctInts(rng, 3, 1, docs + 1).filter((d) => !support.includes(d));
      const facts = (i: number) => {
        if (support.includes(i)) return [`${rng.pick(PEOPLE)} noted that the west bridge was closed for repairs.`];
        if (decoys.includes(i)) return [`${rng.pick(PEOPLE)} noted that the west bridge was repainted.`];
        return [`${rng.pick(PEOPLE)} noted that ${rng.pick(['the ferry slip', 'the signal tower', 'the weigh house'])} was closed for repairs.`];
      };
      const gold = support.map(docId);
      return {
        document: composeCorpus(rng, { docs, targetChars: chars, lang: 'en', heading: docHeading, facts }),
        question: `Which documents support the statement "The west bridge was closed for repairs."? List the document ids in the form "Doc N". ${LIST_FORMAT}`,
        doc_ids: gold,
        golden_label: gold.join('\n'),
      };
    },
  },
  {
    task: 'supplier_totals',
    data_source: 'longbench_pro',
    sub_task: 'T8.2 Single-Source Targeted Aggregation',
    lang: 'en',
    tokens: 16_000,
    build(rng, chars) {
      const ledger = makeLedger(rng, { count: 60 });
      const totals = sumBy(ledger, (i) => i.supplier, (i) => i.amount);
      const asked = pickDistinct(rng, [...totals.keys()], 3);
      const gold = asked.map((s) => `${s}: ${totals.get(s)}`);
      return {
        document: composeDocument(rng, { facts: ledger.map(invoiceSentence), targetChars: chars, lang: 'en', header: ledgerHeader('Ledger of 1874') }),
        question: `What is the total amount billed by each of these suppliers: ${asked.join('; ')}? Answer one line per supplier, in that order, as "Supplier: total" with the total in credits written without separators. ${LIST_FORMAT}`,
        doc_ids: gold,
        golden_label: gold.join('\n'),
      };
    },
  },
  {
    task: 'crate_bins_state',
    data_source: 'longbench_pro',
    sub_task: 'T8.3 Long-Context Procedural State Tracking',
    lang: 'en',
    tokens: 24_000,
    build(rng, chars) {
      const bins = ['A', 'B', 'C', 'D', 'E'];
      const count = bins.map(() => rng.int(10, 41));
      const facts = [`At the opening of the season, ${bins.map((b, i) => `bin ${b} held ${count[i]} crates`).join(', ')}.`];
      const who = ['The night watch', 'The weighmaster', 'Two porters', 'The chandler', 'The ferry crew'];
      for (let k = 0; k < 40; k++) {
        const r = rng.next();
        const i = rng.int(0, bins.length);
        if (r < 0.5 && count[i] > 0) {
          let j = rng.int(0, bins.length);
          while (j === i) j = rng.int(0, bins.length);
          const n = rng.int(1, Math.min(count[i], 9) + 1);
          count[i] -= n;
          count[j] += n;
          facts.push(`${rng.pick(who)} moved ${n} crates from bin ${bins[i]} to bin ${bins[j]}.`);
        } else if (r < 0.8 || count[i] === 0) {
          const n = rng.int(1, 10);
          count[i] += n;
          facts.push(`${rng.pick(who)} added ${n} crates to bin ${bins[i]}.`);
        } else {
          const n = rng.int(1, Math.min(count[i], 9) + 1);
          count[i] -= n;
          facts.push(`${rng.pick(who)} removed ${n} crates from bin ${bins[i]}.`);
        }
      }
      const gold = bins.map((b, i) => `Bin ${b}: ${count[i]}`);
      return {
        document: composeDocument(rng, { facts, targetChars: chars, lang: 'en', keepOrder: true, header: 'Store-room log of the east quay warehouse.' }),
        question: `How many crates are in each bin at the end of the log? Answer one line per bin, from A to E, as "Bin A: 12". ${LIST_FORMAT}`,
        doc_ids: gold,
        golden_label: gold.join('\n'),
      };
    },
  },
  {
    task: 'clerk_cipher',
    data_source: 'longbench_pro',
    sub_task: 'T10.2 Targeted Example-Based Rule Induction',
    lang: 'en',
    tokens: 9_000,
    build(rng, chars) {
      const words = pickDistinct(rng, CIPHER_WORDS, 11);
      const examples = words.slice(0, 8);
      const asked = words.slice(8);
      const gold = asked.map(cipher);
      return {
        document: composeDocument(rng, { facts: examples.map((w) => `In the clerk's cipher, ${w} is written ${cipher(w)}.`), targetChars: chars, lang: 'en' }),
        question: `Using the same cipher as the clerk, how are ${asked.join(', ')} written? Answer one code per line, in that order. ${LIST_FORMAT}`,
        doc_ids: gold,
        golden_label: gold.join('\n'),
      };
    },
  },
  {
    task: 'guild_mentions_ranking',
    data_source: 'longbench_pro',
    sub_task: 'T1.1 Global Cohesive Retrieval',
    lang: 'en',
    tokens: 24_000,
    build(rng, chars) {
      const docs = 16;
      const relevant = distinctInts(rng, 5, 1, docs + 1);
      const mentions = new Map(relevant.map((d, k) => [d, 5 - k]));
      const acts = ['paid for', 'inspected', 'repaired', 'complained about', 'voted on', 'lit', 'audited'];
      const objs = ['the signal lanterns', 'the breakwater lamps', 'the chapel windows', 'the lamp store', 'the harbour steps'];
      const facts = (i: number) => Array.from({ length: mentions.get(i) ?? 0 }, () => `The Lantern Guild ${rng.pick(acts)} ${rng.pick(objs)}.`);
      const gold = relevant.map(docId);
      return {
        document: composeCorpus(rng, { docs, targetChars: chars, lang: 'en', heading: docHeading, facts }),
        question: `Which documents concern the Lantern Guild? List the ids ("Doc N") of all documents that mention it, ranked by how often they mention it, most first. ${LIST_FORMAT}`,
        doc_ids: gold,
        golden_label: gold.join('\n'),
      };
    },
  },
  {
    task: 'passphrase_fragments',
    data_source: 'longbench_pro',
    sub_task: 'T1.2 Key-Snippet Retrieval',
    lang: 'en',
    tokens: 12_000,
    build(rng, chars) {
      const docs = 18;
      const holders = distinctInts(rng, 4, 1, docs + 1);
      const words = pickDistinct(rng, ['amber', 'lantern', 'tide', 'harrow', 'quill', 'salt', 'heron', 'copper'], 4);
      const facts = (i: number) => {
        const j = holders.indexOf(i);
        return j < 0 ? [] : [`Fragment ${j + 1} of the harbourmaster's passphrase is "${words[j]}".`];
      };
      const gold = holders.map(docId);
      return {
        document: composeCorpus(rng, { docs, targetChars: chars, lang: 'en', heading: docHeading, facts }),
        question: `Which documents contain fragments of the harbourmaster's passphrase? List their ids ("Doc N") in fragment order, the document with fragment 1 first. ${LIST_FORMAT}`,
        doc_ids: gold,
        golden_label: gold.join('\n'),
      };
    },
  },
  {
    task: 'timeline_order',
    data_source: 'longbench_pro',
    sub_task: 'T2.1 Global Timeline Reconstruction',
    lang: 'en',
    tokens: 32_000,
    build(rng, chars) {
      const events = makeEvents(rng, 28);
      const asked = events.slice(0, 8);
      const labels = rng.shuffle(asked.map((_, i) => `E${i + 1}`));
      const labelled = asked.map((e, i) => ({ ...e, label: labels[i] }));
      const listed = [...labelled].sort((a, b) => a.label.localeCompare(b.label, 'en', { numeric: true }));
      const gold = [...labelled].sort((a, b) => a.date.localeCompare(b.date)).map((e) => e.label);
      return {
        document: composeDocument(rng, { facts: events.map(eventSentence), targetChars: chars, lang: 'en', header: 'From the chronicle of Velmora, 1861–1889.' }),
        question: `Put these events in chronological order, earliest first, answering with their labels:\n${listed.map((e) => `[${e.label}] ${e.what}`).join('\n')}\n${LIST_FORMAT}`,
        doc_ids: gold,
        golden_label: gold.join('\n'),
      };
    },
  },
  {
    task: 'causal_chain_order',
    data_source: 'longbench_pro',
    sub_task: 'T2.2 Local Causal Chain Sorting',
    lang: 'en',
    tokens: 10_000,
    build(rng, chars) {
      const chain = rng.pick(CAUSAL_CHAINS);
      const facts = chain.slice(1).map((step, i) => `Because ${chain[i]}, ${step}.`);
      const labels = rng.shuffle(chain.map((_, i) => `C${i + 1}`));
      const listed = chain.map((s, i) => ({ s, label: labels[i] })).sort((a, b) => a.label.localeCompare(b.label, 'en', { numeric: true }));
      const gold = labels;
      return {
        document: composeDocument(rng, { facts, targetChars: chars, lang: 'en' }),
        question: `Order these happenings from the first cause to the last effect, answering with their labels:\n${listed.map((x) => `[${x.label}] ${x.s}`).join('\n')}\n${LIST_FORMAT}`,
        doc_ids: gold,
        golden_label: gold.join('\n'),
      };
    },
  },
  {
    task: 'supplier_frequency_order',
    data_source: 'longbench_pro',
    sub_task: 'T6.3 Global Frequency Analysis',
    lang: 'en',
    tokens: 14_000,
    build(rng, chars) {
      const ranked = pickDistinct(rng, SUPPLIERS, 5);
      const counts = [8, 6, 5, 3, 2];
      const others = SUPPLIERS.filter((s) => !ranked.includes(s));
      const issuers = rng.shuffle([...ranked.flatMap((s, k) => Array.from({ length: counts[k] }, () => s)), ...Array.from({ length: 16 }, () => rng.pick(others))]);
      const ledger = makeLedger(rng, { count: issuers.length, supplierOf: (i) => issuers[i] });
      const listed = rng.shuffle([...ranked]);
      return {
        document: composeDocument(rng, { facts: ledger.map(invoiceSentence), targetChars: chars, lang: 'en', header: ledgerHeader('Ledger of 1874') }),
        question: `Order these suppliers by the number of invoices they issued, most first: ${listed.join('; ')}. ${LIST_FORMAT}`,
        doc_ids: ranked,
        golden_label: ranked.join('\n'),
      };
    },
  },
  {
    task: 'granary_summary',
    data_source: 'longbench_pro',
    sub_task: 'T4.2 Query-Focused Summary',
    lang: 'en',
    tokens: 20_000,
    build(rng, chars) {
      const granary = makeEvents(rng, 5, 1861, 1889, ['the north granary']);
      const others = makeEvents(rng, 25, 1861, 1889, ['the west bridge', 'the ferry slip', 'the tide mill', 'the rope walk', 'the signal tower', 'the weigh house']);
      const sorted = [...granary].sort((a, b) => a.date.localeCompare(b.date));
      const ref = sorted.map((e) => `In ${e.date.slice(0, 4)}, ${e.what}.`).join(' ');
      return {
        document: composeDocument(rng, { facts: [...granary, ...others].map(eventSentence), targetChars: chars, lang: 'en', header: 'From the chronicle of Velmora, 1861–1889.' }),
        question: 'Summarise what the chronicle records about the north granary, in chronological order, in a few plain sentences. Reply with the summary only.',
        doc_ids: [ref],
        golden_label: ref,
      };
    },
  },
  {
    task: 'ledger_summary',
    data_source: 'longbench_pro',
    sub_task: 'T4.1 Global-Coverage Constrained Summary',
    lang: 'en',
    tokens: 32_000,
    build(rng, chars) {
      const suppliers = pickDistinct(rng, SUPPLIERS, 5).sort();
      const ledger = makeLedger(rng, { count: 40, suppliers });
      const n = sumBy(ledger, (i) => i.supplier, () => 1);
      const tot = sumBy(ledger, (i) => i.supplier, (i) => i.amount);
      const ref = suppliers.filter((s) => n.has(s)).map((s) => `${s} issued ${n.get(s)} invoices totalling ${tot.get(s)} credits.`).join(' ');
      return {
        document: composeDocument(rng, { facts: ledger.map(invoiceSentence), targetChars: chars, lang: 'en', header: ledgerHeader('Ledger of 1874') }),
        question:
          'Summarise the whole ledger with one sentence per supplier, in alphabetical order, each giving the number of invoices the supplier issued and their total in credits. Reply with the summary only.',
        doc_ids: [ref],
        golden_label: ref,
      };
    },
  },
  {
    task: 'warehouse_summary_zh',
    data_source: 'longbench_pro',
    sub_task: 'T4.1 Global-Coverage Constrained Summary',
    lang: 'zh',
    tokens: 10_000,
    build(rng, chars) {
      const dates = new Set<string>();
      const mk = (obj: string, k: number) =>
        Array.from({ length: k }, () => {
          let d: string;
          do {
            const { y, m, d: day } = randomDate(rng, rng.int(1861, 1890));
            d = isoDate(y, m, day);
          } while (dates.has(d));
          dates.add(d);
          return { date: d, text: `${rng.pick(ZH_ACTORS)}${rng.pick(ZH_ACTIONS)}${obj}` };
        });
      const zhDate = (iso: string) => {
        const [y, m, d] = iso.split('-').map(Number);
        return `${y}年${m}月${d}日`;
      };
      const north = mk('北仓', 5);
      const others = ZH_OBJECTS_OTHER.flatMap((o) => mk(o, 3));
      const ref = [...north].sort((a, b) => a.date.localeCompare(b.date)).map((e) => `${zhDate(e.date)}，${e.text}。`).join('');
      return {
        document: composeDocument(rng, { facts: [...north, ...others].map((e) => `${zhDate(e.date)}，${e.text}。`), targetChars: chars, lang: 'zh', header: '韦尔莫拉镇编年史（1861—1889）摘录。' }),
        question: '请按时间顺序概括编年史中关于北仓的全部记录，每条记录写明日期。只回答概括内容。',
        doc_ids: [ref],
        golden_label: ref,
      };
    },
  },
  {
    task: 'client_total',
    data_source: 'math_longcot_math_verify',
    lang: 'en',
    tokens: 12_000,
    build(rng, chars) {
      const ledger = makeLedger(rng, { count: 45 });
      const client = rng.pick(CLIENTS.filter((c) => ledger.some((i) => i.client === c)));
      const total = ledger.filter((i) => i.client === client).reduce((a, i) => a + i.amount, 0);
      return {
        document: composeDocument(rng, { facts: ledger.map(invoiceSentence), targetChars: chars, lang: 'en', header: ledgerHeader('Ledger of 1874') }),
        question: `What is the total amount, in credits, of all invoices issued to ${client}, paid or not? Put the final answer in \\boxed{}.`,
        doc_ids: [String(total)],
        golden_label: String(total),
      };
    },
  },
  {
    task: 'days_between_events',
    data_source: 'math_longcot_math_verify',
    lang: 'en',
    tokens: 16_000,
    build(rng, chars) {
      const events = makeEvents(rng, 24, 1870, 1871);
      const [a, b] = pickDistinct(rng, events, 2).sort((x, y) => x.date.localeCompare(y.date));
      const days = daysBetween(a.date, b.date);
      return {
        document: composeDocument(rng, { facts: events.map(eventSentence), targetChars: chars, lang: 'en', header: 'From the chronicle of Velmora, 1870–1871.' }),
        question: `How many days passed between the day ${a.what} and the day ${b.what}? Put the final answer in \\boxed{}.`,
        doc_ids: [String(days)],
        golden_label: String(days),
      };
    },
  },
  {
    task: 'ship_tonnage_sum',
    data_source: 'retrieval_calculate',
    lang: 'en',
    tokens: 10_000,
    build(rng, chars) {
      const docs = 12;
      const ships = shipNames(rng, 8);
      const where = distinctInts(rng, ships.length, 1, docs + 1);
      const tonnes = ships.map(() => rng.int(80, 900));
      const facts = (i: number) => {
        const k = where.indexOf(i);
        return k < 0 ? [] : [`The port registry lists the ${ships[k]} at ${tonnes[k]} tonnes.`];
      };
      const [x, y] = pickDistinct(rng, [...ships.keys()], 2);
      const ids = [where[x], where[y]].sort((a, b) => a - b).map(specialDocId);
      return {
        document: composeCorpus(rng, { docs, targetChars: chars, lang: 'en', heading: specialDocId, facts }),
        question: `What is the combined registered tonnage of the ${ships[x]} and the ${ships[y]}? Reply as <relevant_doc_ids>the ids of the documents you used, e.g. <|doc_1|><|doc_2|></relevant_doc_ids><continue_reasoning>your calculation, ending with the result in \\boxed{}</continue_reasoning>.`,
        doc_ids: ids,
        golden_label: String(tonnes[x] + tonnes[y]),
      };
    },
  },
  {
    task: 'warehouse_crates_sum',
    data_source: 'retrieval_calculate',
    lang: 'en',
    tokens: 12_000,
    build(rng, chars) {
      const docs = 12;
      const ports = pickDistinct(rng, PORTS, 6);
      const where = distinctInts(rng, ports.length, 1, docs + 1);
      const crates = ports.map(() => rng.int(40, 700));
      const facts = (i: number) => {
        const k = where.indexOf(i);
        return k < 0 ? [] : [`At the spring count the ${ports[k]} warehouse held ${crates[k]} crates.`];
      };
      const asked = pickDistinct(rng, [...ports.keys()], 3);
      const ids = asked.map((k) => where[k]).sort((a, b) => a - b).map(specialDocId);
      return {
        document: composeCorpus(rng, { docs, targetChars: chars, lang: 'en', heading: specialDocId, facts }),
        question: `How many crates did the ${asked.map((k) => ports[k]).join(', ')} warehouses hold together at the spring count? Reply as <relevant_doc_ids>the ids of the documents you used, e.g. <|doc_1|><|doc_2|></relevant_doc_ids><continue_reasoning>your calculation, ending with the result in \\boxed{}</continue_reasoning>.`,
        doc_ids: ids,
        golden_label: String(asked.reduce((a, k) => a + crates[k], 0)),
      };
    },
  },
  {
    task: 'departures_by_port',
    data_source: 'multitableqa_pretraining',
    lang: 'en',
    tokens: 9_000,
    build(rng, chars) {
      const ships = shipNames(rng, 24);
      const ports = pickDistinct(rng, PORTS, 5);
      let rows: [string, string, number, string][];
      do rows = ships.map((s) => [s, rng.pick(CARGO), rng.int(20, 600), rng.pick(ports)]);
      while (rows.filter((r) => r[3] === ports[0]).length < 2);
      const gold = rows.filter((r) => r[3] === ports[0]).map((r) => [r[0], r[1], r[2]]);
      const table = `Table 1: departures in the spring of 1874\n\n${markdownTable(['Ship', 'Cargo', 'Tonnes', 'Destination'], rows)}`;
      return {
        document: composeDocument(rng, { facts: [table], targetChars: chars, lang: 'en', standalone: true }),
        question: `List every departure bound for ${ports[0]} as [ship, cargo, tonnes], in table order. Reply with a JSON object {"data": [[...], ...]} inside <answer></answer>, with tonnes as numbers.`,
        doc_ids: [],
        golden_label: JSON.stringify({ data: gold }),
      };
    },
  },
  {
    task: 'cargo_captains_join',
    data_source: 'multitableqa_pretraining',
    lang: 'en',
    tokens: 10_000,
    build(rng, chars) {
      const ships = shipNames(rng, 20);
      const captains = pickDistinct(rng, PEOPLE, 16);
      const cargos = pickDistinct(rng, CARGO, 5);
      let rows: [string, string, string][];
      do rows = ships.map((s) => [s, rng.pick(cargos), rng.pick(PORTS)]);
      while (rows.filter((r) => r[1] === cargos[0]).length < 2);
      const master = new Map(ships.map((s) => [s, rng.pick(captains)]));
      const t1 = `Table 1: departures\n\n${markdownTable(['Ship', 'Cargo', 'Destination'], rows)}`;
      const t2 = `Table 2: masters of the registered ships\n\n${markdownTable(['Ship', 'Master'], rng.shuffle([...master]))}`;
      const gold = rows.filter((r) => r[1] === cargos[0]).map((r) => [r[0], master.get(r[0])!]);
      return {
        document: composeDocument(rng, { facts: [t1, t2], targetChars: chars, lang: 'en', standalone: true, keepOrder: true }),
        question: `For every departure in Table 1 carrying ${cargos[0]}, give the ship and its master as [ship, master], in the order of Table 1. Reply with a JSON object {"data": [[...], ...]} inside <answer></answer>.`,
        doc_ids: [],
        golden_label: JSON.stringify({ data: gold }),
      };
    },
  },
];

/** The task ids, in file order. */
export const SAMPLE_TASKS = TASKS.map((t) => t.task);

function formatPrompt(spec: TaskSpec, b: Built): string {
  if (spec.lang === 'zh') return `${SAMPLE_BANNER_ZH}\n\n请阅读下面的文档并回答文后的问题。\n\n<document>\n${b.document}\n</document>\n\n问题：${b.question}`;
  return `${SAMPLE_BANNER}\n\nRead the document below and answer the question that follows it.\n\n<document>\n${b.document}\n</document>\n\nQuestion: ${b.question}`;
}

function makeRow(spec: TaskSpec, rng: Rng, tokens: number, index: number, seed: number): SampleRow {
  const b = spec.build(rng, Math.round(tokens * CHARS_PER_TOKEN[spec.lang]));
  const reward_mode = spec.sub_task ?? spec.data_source;
  const capability = capabilityOf(spec.data_source, reward_mode);
  if (!capability) throw new Error(`task ${spec.task}: no capability for ${spec.data_source} / ${reward_mode}`);
  const summary = spec.data_source === 'longbench_pro' ? (spec.lang === 'zh' ? 'Chinese' : 'English') : '';
  return {
    data_source: spec.data_source,
    prompt: [{ role: 'user', content: formatPrompt(spec, b) }],
    ability: capability,
    // doc_ids carry the gold list where the reward reads it (LongBench-Pro, retrieval_calculate); [] elsewhere
    reward_model: {
      style: 'rule',
      ground_truth: { golden_label: b.golden_label, doc_ids: spec.data_source === 'longbench_pro' || spec.data_source === 'retrieval_calculate' ? b.doc_ids : [], summary },
    },
    extra_info: { reward_mode, question: b.question, index, task: spec.task, sample: true, generator: GENERATOR_ID, seed },
  };
}

/** The shipped SAMPLE rows (27), deterministic in `seed`. Each task draws from its own seeded stream. */
export function generateSample(seed = SAMPLE_SEED): SampleRow[] {
  return TASKS.map((spec, i) => makeRow(spec, new Rng((seed + Math.imul(i + 1, 0x9e3779b1)) >>> 0), spec.tokens, i, seed));
}

/**
 * Endless rows from the same task builders, cycling through the tasks, with target lengths drawn
 * uniformly in [minTokens, maxTokens] (the benchmark's stream; also labelled as samples).
 */
export function* iterateSyntheticRows(opts: { seed?: number; minTokens?: number; maxTokens?: number } = {}): Generator<SampleRow> {
  const { seed = SAMPLE_SEED, minTokens = 8_000, maxTokens = 128_000 } = opts;
  const rng = new Rng(seed);
  for (let i = 0; ; i++) {
    const spec = TASKS[i % TASKS.length];
    yield makeRow(spec, new Rng(rng.int(1, 2 ** 31)), rng.int(minTokens, maxTokens + 1), i, seed);
  }
}

const GOLD_THINK = '<think>\nSAMPLE gold answer, written by the generator from the facts it planted.\n</think>\n';

/**
 * The ideal response for a sample row, in the format its reward reads. Scores 1 under
 * `computeScore` for every reward except ROUGE-L, where the required `</think>` marker is itself
 * one extra word (so the score is just below 1).
 */
export function goldResponse(row: Pick<SampleRow, 'data_source' | 'reward_model' | 'extra_info'>): string {
  const gt = row.reward_model.ground_truth;
  switch (row.data_source) {
    case 'longbench_pro':
      return subTaskMetric(row.extra_info.reward_mode) === 'Summary' ? `</think>\n${gt.doc_ids[0]}` : `${GOLD_THINK}[Answer]\n${gt.doc_ids.join('\n')}`;
    case 'EM':
      return GOLD_THINK + gt.golden_label;
    case 'selection':
      return `${GOLD_THINK}The correct answer is (${gt.golden_label})`;
    case 'retrieval_calculate':
      return `${GOLD_THINK}<relevant_doc_ids>${gt.doc_ids.join('')}</relevant_doc_ids><continue_reasoning>Adding the figures gives \\boxed{${gt.golden_label}}.</continue_reasoning>`;
    case 'multitableqa_pretraining':
      return `${GOLD_THINK}<answer>${gt.golden_label}</answer>`;
    default:
      return `${GOLD_THINK}The answer is \\boxed{${gt.golden_label}}.`;
  }
}

/** One JSON line per row (compact, UTF-8, key order as in `SampleRow`). */
export function toJsonl(rows: readonly unknown[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
}

const UTF8 = { type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' } as const;

/**
 * Write rows as parquet with the nested schema pyarrow gives a verl dataframe: `prompt` a LIST of
 * structs, `reward_model` / `extra_info` structs, `doc_ids` a LIST of strings, `index` and `seed` INT64.
 * Written by hyparquet-writer (pure JS); `rowGroupSize` rows per row group.
 */
export async function writeSampleParquet(path: string, rows: readonly SampleRow[], rowGroupSize = 10): Promise<void> {
  // ES-only package: loaded through esm.cjs so this also runs in the notebook kernel's CommonJS
  const { parquetWriteBuffer } = await importEsm<typeof import('hyparquet-writer')>('hyparquet-writer');
  const schema = [
    { name: 'root', num_children: 5 },
    { name: 'data_source', ...UTF8 },
    { name: 'prompt', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
    { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
    { name: 'element', repetition_type: 'OPTIONAL', num_children: 2 },
    { name: 'role', ...UTF8 },
    { name: 'content', ...UTF8 },
    { name: 'ability', ...UTF8 },
    { name: 'reward_model', repetition_type: 'OPTIONAL', num_children: 2 },
    { name: 'style', ...UTF8 },
    { name: 'ground_truth', repetition_type: 'OPTIONAL', num_children: 3 },
    { name: 'golden_label', ...UTF8 },
    { name: 'doc_ids', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
    { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
    { name: 'element', ...UTF8 },
    { name: 'summary', ...UTF8 },
    { name: 'extra_info', repetition_type: 'OPTIONAL', num_children: 7 },
    { name: 'reward_mode', ...UTF8 },
    { name: 'question', ...UTF8 },
    { name: 'index', type: 'INT64', repetition_type: 'OPTIONAL' },
    { name: 'task', ...UTF8 },
    { name: 'sample', type: 'BOOLEAN', repetition_type: 'OPTIONAL' },
    { name: 'generator', ...UTF8 },
    { name: 'seed', type: 'INT64', repetition_type: 'OPTIONAL' },
  ];
  const bytes = parquetWriteBuffer({
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    schema: schema as any,
    columnData: [
      { name: 'data_source', data: rows.map((r) => r.data_source) },
      { name: 'prompt', data: rows.map((r) => r.prompt) },
      { name: 'ability', data: rows.map((r) => r.ability) },
      { name: 'reward_model', data: rows.map((r) => r.reward_model) },
      { name: 'extra_info', data: rows.map((r) => ({ ...r.extra_info, index: BigInt(r.extra_info.index), seed: BigInt(r.extra_info.seed) })) },
    ],
    rowGroupSize,
    createdBy: GENERATOR_ID,
  });
  writeFileSync(path, new Uint8Array(bytes));
}

export interface SampleFiles {
  jsonl: string;
  parquet: string;
  rows: number;
}

/** Write the SAMPLE dataset (JSONL and parquet of the same rows) into `dir`. */
export async function writeSample(dir: string, seed = SAMPLE_SEED): Promise<SampleFiles> {
  mkdirp(dir);
  const rows = generateSample(seed);
  const jsonl = join(dir, `${SAMPLE_BASENAME}.jsonl`);
  const parquet = join(dir, `${SAMPLE_BASENAME}.parquet`);
  writeFileSync(jsonl, toJsonl(rows));
  await writeSampleParquet(parquet, rows);
  return { jsonl, parquet, rows: rows.length };
}

