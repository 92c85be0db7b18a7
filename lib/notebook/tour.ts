/**
 * One example per capability type with its reward computed live — the table of notebook
 * `01-dataset-tour`. For each capability it takes the first record, writes the ideal response in
 * the format that record's reward reads (`goldResponse`), and a corrupted one (every digit of the
 * answer shifted), and scores both with the real reward (`computeScore`).
 */
import { computeScore } from '../rewards/index.js';
import type { RewardCase } from '../rewards/types.js';
import { goldResponse } from '../data/sample_generator.js';
import type { DatasetRecord } from '../data/schema.js';

export interface CapabilityExample {
  capability: string;
  reward: string;
  data_source: string;
  sub_task: string;
  question: string;
  gold_answer: string;
  score_gold: number;
  score_corrupted: number;
}

/** Shift every ASCII digit by 3 (mod 10): a wrong answer with the right shape. */
export function corruptDigits(text: string): string {
  return text.replace(/[0-9]/g, (d) => String((Number(d) + 3) % 10));
}

/** The ideal response for any record (sample or real), in the format its reward reads. */
export function idealResponse(rec: DatasetRecord): string {
  return goldResponse({
    data_source: rec.data_source,
    reward_model: { style: 'rule', ground_truth: { golden_label: rec.gt.golden_label ?? '', doc_ids: rec.gt.doc_ids ?? [], summary: rec.gt.summary ?? '' } },
    extra_info: { reward_mode: rec.sub_task ?? '' } as Parameters<typeof goldResponse>[0]['extra_info'],
  });
}

export function capabilityExamples(records: readonly DatasetRecord[]): CapabilityExample[] {
  const first = new Map<string, DatasetRecord>();
  for (const r of records) if (!first.has(r.capability)) first.set(r.capability, r);
  return [...first.values()].map((rec) => {
    const c = (response: string): RewardCase => ({ data_source: rec.data_source, response, ground_truth: rec.ground_truth, extra_info: rec.extra_info });
    const gold = idealResponse(rec);
    const answer = gold.split('</think>').at(-1)!.trim();
    return {
      capability: rec.capability,
      reward: rec.reward_type,
      data_source: rec.data_source,
      sub_task: rec.sub_task ?? '',
      question: (rec.question ?? '').slice(0, 100),
      gold_answer: answer.length > 80 ? answer.slice(0, 77) + '…' : answer,
      score_gold: computeScore(c(gold)),
      score_corrupted: computeScore(c(corruptDigits(gold))),
    };
  });
}
