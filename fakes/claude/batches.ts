/**
 * Message Batches: requests are accepted at once and answered together when the batch ends, a drawn
 * processing time later on the scaled clock (most within 1 h; a batch still running at 24 h expires).
 * Batch usage is recorded with `batch: true` (billed at 50%) and `service_tier: "batch"`.
 */
import { z } from 'zod';
import type { Clock } from '../../common/clock.ts';
import { formatZodIssues } from '../../common/validation.ts';
import { ApiError } from './api-errors.ts';
import { type EngineContext, messageObject, planCall } from './engine.ts';
import { createRng, makeId } from './random.ts';
import type { Recorder } from './recorder.ts';
import { validateMessagesRequest } from './validation.ts';

const BATCH_EXPIRY_MS = 24 * 60 * 60_000;
const CANCEL_DELAY_MS = 1_000;

export const batchProcessingSchema = z.object({ minMs: z.number().min(0), maxMs: z.number().min(0) });
/** The range (simulated ms) a batch's processing time is drawn from, uniformly. */
export type BatchProcessing = z.infer<typeof batchProcessingSchema>;

const createBatchSchema = z.object({
  requests: z
    .array(z.object({ custom_id: z.string().min(1).max(64), params: z.record(z.string(), z.unknown()) }))
    .min(1)
    .max(100_000),
});

type BatchResult =
  | { type: 'succeeded'; message: ReturnType<typeof messageObject> }
  | { type: 'errored'; error: { type: 'error'; error: { type: string; message: string } } }
  | { type: 'canceled' }
  | { type: 'expired' };

interface Batch {
  id: string;
  createdAtMs: number;
  endsAtMs: number;
  endedAtMs: number | undefined;
  cancelInitiatedAtMs: number | undefined;
  status: 'in_progress' | 'canceling' | 'ended';
  requests: { custom_id: string; params: Record<string, unknown> }[];
  results: { custom_id: string; result: BatchResult }[];
  timer: NodeJS.Timeout | undefined;
}

export interface BatchDeps {
  clock: Clock;
  engine: EngineContext;
  recorder: Recorder;
  processing: BatchProcessing;
  idSalt: string;
  /** The server's root URL, for `results_url`. */
  baseUrl: () => string;
}

/**
 * @example
 * const batches = new Batches(deps); const batch = batches.create(body); batches.get(batch.id).processing_status
 */
export class Batches {
  private readonly batches = new Map<string, Batch>();
  private counter = 0;
  constructor(private readonly deps: BatchDeps) {}

  create(input: unknown) {
    const parsed = createBatchSchema.safeParse(input);
    if (!parsed.success) throw new ApiError('invalid_request_error', formatZodIssues(parsed.error, input).join('; '));
    const ids = new Set<string>();
    for (const request of parsed.data.requests) {
      if (ids.has(request.custom_id)) {
        throw new ApiError('invalid_request_error', `requests: custom_id ${request.custom_id} is used twice`);
      }
      ids.add(request.custom_id);
    }
    const counter = ++this.counter;
    const rng = createRng(this.deps.engine.seed ^ counter);
    const { minMs, maxMs } = this.deps.processing;
    const now = this.deps.clock.nowMs();
    const processingMs = Math.min(minMs + rng() * Math.max(0, maxMs - minMs), BATCH_EXPIRY_MS);
    const batch: Batch = {
      id: makeId('msgbatch', counter, this.deps.idSalt),
      createdAtMs: now,
      endsAtMs: now + processingMs,
      endedAtMs: undefined,
      cancelInitiatedAtMs: undefined,
      status: 'in_progress',
      requests: parsed.data.requests,
      results: [],
      timer: undefined,
    };
    batch.timer = setTimeout(() => this.finish(batch, false), this.deps.clock.toRealMs(processingMs));
    batch.timer.unref();
    this.batches.set(batch.id, batch);
    return this.view(batch);
  }

  get(id: string) {
    return this.view(this.find(id));
  }

  list(query: { limit?: number; afterId?: string }) {
    const all = [...this.batches.values()].reverse();
    const start = query.afterId ? all.findIndex((b) => b.id === query.afterId) + 1 : 0;
    const limit = Math.min(Math.max(query.limit ?? 20, 1), 1000);
    const page = all.slice(start, start + limit);
    return {
      data: page.map((b) => this.view(b)),
      has_more: start + limit < all.length,
      first_id: page[0]?.id ?? null,
      last_id: page[page.length - 1]?.id ?? null,
    };
  }

  cancel(id: string) {
    const batch = this.find(id);
    if (batch.status === 'in_progress') {
      batch.status = 'canceling';
      batch.cancelInitiatedAtMs = this.deps.clock.nowMs();
      clearTimeout(batch.timer);
      batch.timer = setTimeout(() => this.finish(batch, true), this.deps.clock.toRealMs(CANCEL_DELAY_MS));
      batch.timer.unref();
    }
    return this.view(batch);
  }

  delete(id: string) {
    const batch = this.find(id);
    if (batch.status !== 'ended') {
      throw new ApiError('invalid_request_error', `Batch ${id} is still processing; cancel it first.`);
    }
    this.batches.delete(id);
    return { id, type: 'message_batch_deleted' };
  }

  /** The results file: one JSON object per line, in request order. */
  resultsJsonl(id: string): string {
    const batch = this.find(id);
    if (batch.status !== 'ended') {
      throw new ApiError('invalid_request_error', `Batch ${id} has not ended yet; results are available once it has.`);
    }
    return batch.results.map((line) => JSON.stringify(line)).join('\n') + (batch.results.length > 0 ? '\n' : '');
  }

  /** Stops every timer (server close) and forgets all batches (reset). */
  clear(): void {
    for (const batch of this.batches.values()) clearTimeout(batch.timer);
    this.batches.clear();
  }

  private find(id: string): Batch {
    const batch = this.batches.get(id);
    if (!batch) throw new ApiError('not_found_error', `message batch ${id} not found`);
    return batch;
  }

  private finish(batch: Batch, canceled: boolean): void {
    const { engine, recorder, clock } = this.deps;
    batch.timer = undefined;
    batch.status = 'ended';
    batch.endedAtMs = clock.nowMs();
    let counter = 0;
    for (const request of batch.requests) {
      counter++;
      if (canceled) {
        batch.results.push({ custom_id: request.custom_id, result: { type: 'canceled' } });
        continue;
      }
      const atMs = clock.monotonicMs();
      try {
        if (request.params.stream === true) {
          throw new ApiError('invalid_request_error', 'stream: streaming is not supported inside a message batch');
        }
        const valid = validateMessagesRequest(request.params, { verifySignature: engine.signer.verify });
        const call = planCall(valid, engine);
        engine.cache.commit(call.cachePlan);
        const message = messageObject(call, makeId('msg', counter, `${batch.id.slice(-8)}b`), 'batch');
        batch.results.push({ custom_id: request.custom_id, result: { type: 'succeeded', message } });
        recorder.record({
          ...recordBase(atMs),
          model: valid.model.id,
          status: 200,
          usage: call.usage,
          stopReason: call.reply.stopReason,
        });
      } catch (error) {
        const apiError =
          error instanceof ApiError ? error : new ApiError('api_error', 'Internal error while processing the request');
        batch.results.push({
          custom_id: request.custom_id,
          result: {
            type: 'errored',
            error: { type: 'error', error: { type: apiError.type, message: apiError.message } },
          },
        });
        const model = typeof request.params.model === 'string' ? request.params.model : undefined;
        recorder.record({ ...recordBase(atMs), model, status: apiError.status, errorType: apiError.type });
      }
    }
  }

  private view(batch: Batch) {
    const counts = { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 };
    if (batch.status === 'ended') for (const line of batch.results) counts[line.result.type]++;
    else counts.processing = batch.requests.length;
    const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
    return {
      id: batch.id,
      type: 'message_batch' as const,
      processing_status: batch.status,
      request_counts: counts,
      created_at: new Date(batch.createdAtMs).toISOString(),
      expires_at: new Date(batch.createdAtMs + BATCH_EXPIRY_MS).toISOString(),
      ended_at: iso(batch.endedAtMs),
      cancel_initiated_at: iso(batch.cancelInitiatedAtMs),
      archived_at: null,
      results_url: batch.status === 'ended' ? `${this.deps.baseUrl()}/v1/messages/batches/${batch.id}/results` : null,
    };
  }
}

function recordBase(atMs: number) {
  return {
    atMs,
    endpoint: 'batch' as const,
    stream: false,
    errorType: undefined,
    fault: undefined,
    usage: undefined,
    stopReason: undefined,
    retryCount: undefined,
    batch: true,
    latencyMs: 0,
  };
}
