/**
 * Records every call cheaply: one small object per call in a bounded array, plus running totals per model
 * (kept separately for batch usage, which bills at 50%). Reports read the totals; tests read the calls.
 */

/** Token usage of one call, as billed. */
export interface UsageBreakdown {
  inputTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  cacheReadTokens: number;
  outputTokens: number;
}

export interface CallRecord {
  /** Increasing from 1; pass the last one seen as `since` to read only newer calls. */
  seq: number;
  /** Simulated ms since the fake started. */
  atMs: number;
  endpoint: 'messages' | 'count_tokens' | 'batch';
  /** The model id as requested (undefined when the body had none). */
  model: string | undefined;
  stream: boolean;
  /** 200 for success, including a stream that later failed (see `errorType`). */
  status: number;
  /** The API error type, or `early_close` / `never_answer` for injected socket faults. */
  errorType: string | undefined;
  /** Set when the fault schedule caused the outcome. */
  fault: string | undefined;
  usage: UsageBreakdown | undefined;
  /** The answer's `stop_reason` (`end_turn`, `tool_use`, `max_tokens`, `stop_sequence`); undefined when it failed. */
  stopReason?: string;
  /** The SDK's `X-Stainless-Retry-Count` header (0 = first attempt); undefined if absent. */
  retryCount: number | undefined;
  /** True for requests run inside a message batch (billed at 50%). */
  batch: boolean;
  /** Simulated ms from request to last byte (or to the failure). */
  latencyMs: number;
}

export interface UsageTotals extends UsageBreakdown {
  calls: number;
  errors: number;
}

export interface ModelUsage {
  /** Interactive calls at full price. */
  standard: UsageTotals;
  /** Batch requests at 50% price. */
  batch: UsageTotals;
}

export interface UsageSummary {
  standard: UsageTotals;
  batch: UsageTotals;
  byModel: Record<string, ModelUsage>;
  /** Calls dropped from the per-call list once it was full (totals still count them). */
  droppedRecords: number;
}

export const emptyTotals = (): UsageTotals => ({
  calls: 0,
  errors: 0,
  inputTokens: 0,
  cacheWrite5mTokens: 0,
  cacheWrite1hTokens: 0,
  cacheReadTokens: 0,
  outputTokens: 0,
});

function add(totals: UsageTotals, record: CallRecord): void {
  totals.calls++;
  if (record.errorType) totals.errors++;
  const usage = record.usage;
  if (!usage) return;
  totals.inputTokens += usage.inputTokens;
  totals.cacheWrite5mTokens += usage.cacheWrite5mTokens;
  totals.cacheWrite1hTokens += usage.cacheWrite1hTokens;
  totals.cacheReadTokens += usage.cacheReadTokens;
  totals.outputTokens += usage.outputTokens;
}

/**
 * @example
 * const recorder = new Recorder(100_000);
 * recorder.calls({ since: 0, limit: 100 });
 */
export class Recorder {
  private records: CallRecord[] = [];
  private seq = 0;
  private dropped = 0;
  private standard = emptyTotals();
  private batch = emptyTotals();
  private byModel = new Map<string, ModelUsage>();

  constructor(private readonly maxRecords: number) {}

  record(call: Omit<CallRecord, 'seq'>): CallRecord {
    const record = call as CallRecord;
    record.seq = ++this.seq;
    if (this.records.length >= this.maxRecords) {
      // Drop the oldest half at once: amortised O(1), and totals keep counting.
      const drop = Math.ceil(this.maxRecords / 2);
      this.records = this.records.slice(drop);
      this.dropped += drop;
    }
    this.records.push(record);
    if (record.endpoint === 'count_tokens') return record;
    add(record.batch ? this.batch : this.standard, record);
    const key = record.model ?? '(none)';
    let perModel = this.byModel.get(key);
    if (!perModel) {
      perModel = { standard: emptyTotals(), batch: emptyTotals() };
      this.byModel.set(key, perModel);
    }
    add(record.batch ? perModel.batch : perModel.standard, record);
    return record;
  }

  /** Calls with `seq > since`, oldest first, at most `limit`. */
  calls(query: { since?: number; limit?: number } = {}): CallRecord[] {
    const since = query.since ?? 0;
    const limit = query.limit ?? 1000;
    // Records are in seq order: binary search, so polling a long run stays cheap.
    let low = 0;
    let high = this.records.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.records[mid]!.seq > since) high = mid;
      else low = mid + 1;
    }
    return this.records.slice(low, low + limit);
  }

  usage(): UsageSummary {
    const byModel: Record<string, ModelUsage> = {};
    for (const [model, usage] of this.byModel)
      byModel[model] = { standard: { ...usage.standard }, batch: { ...usage.batch } };
    return { standard: { ...this.standard }, batch: { ...this.batch }, byModel, droppedRecords: this.dropped };
  }

  reset(): void {
    this.records = [];
    this.dropped = 0;
    this.standard = emptyTotals();
    this.batch = emptyTotals();
    this.byModel.clear();
  }
}
