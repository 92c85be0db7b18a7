/**
 * The capability map lives in the data layer (lib/data/capabilities.ts): data sits below rewards,
 * so lib/data must not import lib/rewards. Re-exported here for code that imports it from rewards.
 */
export * from '../data/capabilities.js';
