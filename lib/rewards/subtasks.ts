/**
 * The 25 LongBench-Pro sub-tasks and their metrics live in the data layer (lib/data/subtasks.ts):
 * they are facts about the data that the rewards, the advantage layer and the data tools all read,
 * and data sits below rewards. Re-exported here for the reward files that read them.
 */
export * from '../data/subtasks.js';
