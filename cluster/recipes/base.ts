/**
 * What the three GoLongRL reference launches share (GOLONGRL.md §C "Settings shared by all three
 * scripts"; `Train/verl/examples/GoLongRL/*.sh`): 16×8 GPUs, sglang async rollout with n=16, 128/512/128
 * batches, 160K/16K lengths, lr 2e-6 with 5 warm-up steps, wd 0.1, DAPO dynamic sampling, token-level
 * truncated IS at 5.0, save every 5 steps, resume auto, keep 60 checkpoints. Each recipe file derives from
 * `goLongRLBase(experimentName, modelPath)` and changes only what its script changes.
 */
import type { ClusterRecipe } from '../../lib/cluster/recipe.js';

export const MAX_PROMPT_LENGTH = 1024 * 160; // 163840
export const MAX_RESPONSE_LENGTH = 1024 * 16; // 16384

/** The scripts' non-secret Ray runtime env vars (WORK_DIR and TIMESTAMP are dropped: nothing in the fork reads them). */
export const REFERENCE_RAY_ENV: Readonly<Record<string, string>> = Object.freeze({
  NCCL_IB_ECE_ENABLE: '0',
  CUDA_DEVICE_MAX_CONNECTIONS: '32',
  NVTE_ALLOW_NONDETERMINISTIC_ALGO: '1',
  NCCL_NVLS_ENABLE: '0',
  PYTHONWARNINGS: 'ignore',
  NCCL_DEBUG: 'VERSION',
  NCCL_IB_DISABLE: '0',
  NCCL_IB_GID_INDEX: '3',
  NCCL_ASYNC_ERROR_HANDLING: '1',
  NCCL_SOCKET_IFNAME: 'bond0',
  NCCL_IB_HCA: 'mlx5',
  NCCL_PXN_DISABLE: '1',
  NCCL_IB_QPS_PER_CONNECTION: '4',
  GLOO_SOCKET_IFNAME: 'bond0',
  SGL_ENABLE_JIT_DEEPGEMM: 'False',
});

export function goLongRLBase(o: { name: string; description: string; reference: string; experimentName: string; modelPath: string; modelLabel: string }): ClusterRecipe {
  const nodes = 16;
  const cp = 8;
  const micro = 1;
  const maxTotal = MAX_PROMPT_LENGTH + MAX_RESPONSE_LENGTH; // 180224
  const ckptDir = `\${HOME}/ckpts/GoLongRL/${o.experimentName}/`;
  return {
    name: o.name,
    description: o.description,
    reference: o.reference,
    projectName: 'GoLongRL',
    experimentName: o.experimentName,
    paths: {
      verlDir: 'GoLongRL/Train/verl',
      model: o.modelPath,
      trainFile: '/path/to/train.jsonl',
      testFile: '/path/to/test.jsonl',
      ckptDir,
      rolloutDataDir: `${ckptDir}rollout_outputs`,
    },
    model: { trustRemoteCode: true, useRemovePadding: true, label: o.modelLabel },
    data: {
      trainBatchSize: 128,
      genBatchSize: 512,
      maxPromptLength: MAX_PROMPT_LENGTH,
      maxResponseLength: MAX_RESPONSE_LENGTH,
      truncation: 'left',
      filterOverlongPrompts: true,
      promptKey: 'prompt',
      returnRawChat: true,
      shuffle: true,
      useFilteredCache: true,
      rebuildFilteredCache: false,
    },
    rollout: {
      engine: 'sglang',
      mode: 'async',
      n: 16,
      temperature: 1.0,
      topP: 1.0,
      topK: -1,
      val: { temperature: 0.6, topP: 0.95, topK: -1, doSample: true, n: 1 },
      gpuMemoryUtilization: 0.6,
      tensorParallelSize: 8,
      maxModelLen: maxTotal,
      multiStageWakeUp: true,
      enableChunkedPrefill: true,
      freeCacheEngine: true,
      calculateLogProbs: true,
      maxAssistantTurns: 1,
      updateWeightsBucketMegabytes: 2048,
      logProbUseDynamicBsz: false,
      logProbMaxTokenLenPerGpu: maxTotal / cp,
      logProbMicroBatchSizePerGpu: 1,
      agentNumWorkers: nodes,
      sglang: { disableRadixCache: false, logLevel: 'info', disableCudaGraph: false, logRequests: false, logRequestsLevel: 2, cudaGraphMaxBs: 512, maxRunningRequests: 512 },
    },
    actor: {
      lossMode: 'vanilla',
      clipRatioLow: 0.2,
      clipRatioHigh: 0.28,
      clipRatioC: 3.0,
      useKlLoss: false,
      klLossCoef: 0.0,
      entropyCoeff: 0,
      lossAggMode: 'token-mean',
      ppoMiniBatchSize: 128,
      ppoEpochs: 1,
      ppoMicroBatchSizePerGpu: micro,
      useDynamicBsz: false,
      ppoMaxTokenLenPerGpu: (maxTotal * micro) / cp, // 22528
      loadWeight: true,
      useTorchCompile: false,
      optim: { lr: 2e-6, lrWarmupSteps: 5, weightDecay: 0.1, clipGrad: 1.0 },
    },
    algorithm: {
      advEstimator: 'grpo',
      difficultyReweight: false,
      useKlInReward: false,
      klCoef: 0.0,
      filterGroups: { enable: true, metric: 'score', maxNumGenBatches: 32 },
      rolloutCorrection: { rolloutIs: 'token', rolloutIsThreshold: 5.0 },
    },
    reward: {
      rewardManager: 'dapo',
      overlongBuffer: { enable: false, len: 1024 * 4, penaltyFactor: 1.0, log: false },
      maxRespLen: MAX_RESPONSE_LENGTH,
    },
    trainer: {
      logger: ['console', 'tensorboard'],
      saveFreq: 5,
      testFreq: -1,
      totalEpochs: 10,
      valBeforeTrain: false,
      resumeMode: 'auto',
      maxActorCkptToKeep: 60,
      logValGenerations: 15,
      profileSteps: [],
    },
    megatron: {
      tp: 8,
      pp: 1,
      cp,
      ep: 1,
      etp: 1,
      paramOffload: true,
      gradOffload: true,
      optimizerOffload: true,
      useMbridge: true,
      useDistCheckpointing: false,
      moeRouterDtype: 'fp32',
      recomputeMethod: 'uniform',
      recomputeGranularity: 'full',
      recomputeNumLayers: 1,
      attentionBackend: 'flash',
    },
    resources: { nodes, gpusPerNode: 8 },
    env: {
      rayEnvVars: REFERENCE_RAY_ENV,
      processEnv: { PYTHONUNBUFFERED: '1', HYDRA_FULL_ERROR: '1', VLLM_USE_V1: '1' },
      secretEnv: [],
    },
  };
}
