/** Messages between the bench runner (parent) and one subject process (child), over IPC. */

export type SubjectName = 'raw' | 'ours' | 'ours-raw' | 'binance' | 'binance-spot' | 'ccxt';

export type Scenario = 'throughput' | 'latency' | 'memory' | 'coldstart' | 'recovery' | 'stall' | 'universe' | 'massdrop';

export interface Job {
  subject: SubjectName;
  scenario: Scenario;
  wsBase: string;
  streams: string[];
  /** After the first message (or the parent's `measure`), before measuring. */
  warmupMs: number;
  measureMs: number;
  /** Hard bound for the whole job in the child. */
  timeoutMs: number;
  stampField?: string | undefined;
  /** The emulator process's `hrEpochMs() - monotonicMs()`. */
  emulatorOffsetMs: number;
  /** Latency: expected msgs/s, to size the sample buffer. */
  expectedRate?: number | undefined;
  /** Memory/universe: wait for the parent's `measure` before measuring (subscriptions confirmed server-side). */
  waitForMeasure?: boolean | undefined;
  /** Streams per connection for subjects that pool (default Spot's 1024); the mass drop uses 1. */
  maxStreamsPerConnection?: number | undefined;
  /**
   * Mass drop: the subject's first dials count as older than Binance's 5-minute window (the
   * connections have been up for longer), so the drop's re-dials are measured against a full budget.
   */
  setupOutsideWindow?: boolean | undefined;
}

export type ParentMessage =
  | { type: 'job'; job: Job }
  | { type: 'measure' }
  /** A fault was injected at `at` (emulator hrEpochMs). */
  | { type: 'mark'; at: number }
  | { type: 'stop' };

export interface MemorySample {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

export interface SubjectResult {
  subject: SubjectName;
  scenario: Scenario;
  // throughput / universe
  msgs?: number | undefined;
  wallMs?: number | undefined;
  cpuMs?: number | undefined;
  rate?: number | undefined;
  cpuPer100k?: number | undefined;
  cpuShare?: number | undefined;
  // latency
  p50?: number | undefined;
  p99?: number | undefined;
  max?: number | undefined;
  samples?: number | undefined;
  // memory
  baseline?: MemorySample | undefined;
  memory?: MemorySample | undefined;
  // cold start
  startResolvedMs?: number | undefined;
  firstMessageMs?: number | undefined;
  allStreamsMs?: number | undefined;
  streamsSeen?: number | undefined;
  // recovery / stall
  recoveryMs?: number | undefined;
  detectedMs?: number | undefined;
  detectedBy?: string | undefined;
  /** The reconnect delay the subject's policy chose after the fault (what it reported). */
  retryDelayMs?: number | undefined;
  // mass drop (child: data again per stream; runner: the emulator's view of the re-dials)
  streams?: number | undefined;
  recovered?: number | undefined;
  recoveryP50?: number | undefined;
  recoveryP90?: number | undefined;
  recoveryMax?: number | undefined;
  allRecoveredMs?: number | undefined;
  redialFirstMs?: number | undefined;
  redialMedianMs?: number | undefined;
  redialLastMs?: number | undefined;
  /** Connection attempts the emulator saw after the drop (all in one 5-minute window). */
  attemptsAfterDrop?: number | undefined;
  attemptViolations?: number | undefined;
  rejected429?: number | undefined;
  notes?: string[] | undefined;
  /** The emulator process's CPU share over the measured window (near 1 = the emulator was the bottleneck). */
  emulatorCpuShare?: number | undefined;
}

export type ChildMessage =
  | { type: 'ready' }
  | { type: 'started' }
  | { type: 'flowing' }
  /** The measured window begins/ends (the runner samples the emulator's CPU over it). */
  | { type: 'window'; phase: 'begin' | 'end' }
  | { type: 'result'; result: SubjectResult }
  | { type: 'failed'; reason: string };
