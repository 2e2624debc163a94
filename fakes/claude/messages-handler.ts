/**
 * `POST /v1/messages` and `POST /v1/messages/count_tokens`: validate, apply the fault schedule and the rate
 * limiter, plan the call, wait out the latency on the scaled clock, answer (JSON or SSE) and record.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../common/clock.ts';
import { ApiError, type ApiErrorType } from './api-errors.ts';
import { messageJson, type PlannedCall, planCall } from './engine.ts';
import { DEFAULT_FAULT_RETRY_AFTER_MS, type FaultWindow, pickFault } from './faults.ts';
import { sendApiError, sendJson } from './http-io.ts';
import type { ModelClass } from './models.ts';
import type { RateLimiter } from './rate-limiter.ts';
import type { CallRecord } from './recorder.ts';
import { countRequestTokens } from './request-tokens.ts';
import type { FakeClaudeState } from './state.ts';
import { writeStream } from './stream.ts';
import { parseJsonBody, validateMessagesRequest } from './validation.ts';

const FAULT_ERRORS: Record<'429' | '500' | '529' | '504', [ApiErrorType, string]> = {
  '429': ['rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit (injected fault)'],
  '500': ['api_error', 'Internal server error (injected fault)'],
  '529': ['overloaded_error', 'Overloaded (injected fault)'],
  '504': ['timeout_error', 'Request timed out (injected fault)'],
};

/** Per-call context the handler fills in as it learns more. */
export interface CallContext {
  requestId: string;
  startedMs: number;
  retryCount: number | undefined;
  /** The request's `anthropic-beta` values. */
  betas: ReadonlySet<string>;
}

/**
 * `retry-after` as the API sends it, a whole number of seconds (at least 1), counted in simulated time and then
 * given in real seconds: the SDK sleeps on the wall clock, so faster runs get fractions (the SDKs parse floats;
 * one simulated second at 2x is "0.500"). Rounding before dividing keeps every wait the same number of simulated
 * seconds at every scale. Rounding after it did not: a 0.3 s wait read 1 s at 1x and 0.3 s at 2x, so faster
 * runs retried sooner and drained a rate-limited burst faster than the real API lets a bot.
 */
export function retryAfterHeader(clock: Clock, simulatedMs: number): string {
  const wholeSimulatedS = Math.max(1, Math.ceil(simulatedMs / 1000));
  if (clock.timeScale === 1) return String(wholeSimulatedS);
  // Up to the next real millisecond, so the SDK never wakes before the simulated second is over.
  return (Math.ceil(clock.toRealMs(wholeSimulatedS * 1000)) / 1000).toFixed(3);
}

function baseRecord(state: FakeClaudeState, ctx: CallContext): Omit<CallRecord, 'seq'> {
  return {
    atMs: ctx.startedMs,
    endpoint: 'messages',
    model: undefined,
    stream: false,
    status: 200,
    errorType: undefined,
    fault: undefined,
    usage: undefined,
    stopReason: undefined,
    retryCount: ctx.retryCount,
    batch: false,
    latencyMs: state.runMs() - ctx.startedMs,
  };
}

/** Answers `POST /v1/messages`. Never throws: every failure becomes an API error response and a record. */
export async function handleMessages(
  state: FakeClaudeState,
  req: IncomingMessage,
  res: ServerResponse,
  bodyText: string,
  ctx: CallContext,
): Promise<void> {
  let model: string | undefined;
  let stream = false;
  let fault: FaultWindow | undefined;
  try {
    const parsed = parseJsonBody(bodyText);
    // Until validation resolves it, record the model as sent, so rejected calls still show per model.
    if (parsed !== null && typeof parsed === 'object' && 'model' in parsed && typeof parsed.model === 'string') {
      model = parsed.model;
    }
    const valid = validateMessagesRequest(parsed, { betas: ctx.betas, verifySignature: state.signer.verify });
    model = valid.model.id;
    stream = valid.body.stream === true;
    fault = pickFault(state.activeFaults(), ctx.startedMs, [valid.body.model, valid.model.id], state.faultRng);
    if (fault?.kind === 'never_answer') return holdForever(state, req, ctx, model, stream);
    if (fault && fault.kind in FAULT_ERRORS) {
      const [type, message] = FAULT_ERRORS[fault.kind as keyof typeof FAULT_ERRORS];
      const retryAfterMs = fault.retryAfterMs ?? (fault.kind === '429' ? DEFAULT_FAULT_RETRY_AFTER_MS : undefined);
      const headers: Record<string, string> =
        retryAfterMs === undefined ? {} : { 'retry-after': retryAfterHeader(state.clock, retryAfterMs) };
      throw new ApiError(type, message, headers);
    }
    if (fault?.kind === 'mid_stream_error' && !stream)
      throw new ApiError('overloaded_error', 'Overloaded (injected fault)');

    const call = planCall(valid, state.engine);
    const modelClass = valid.model.modelClass;
    const reservedTokens = valid.body.max_tokens ?? 0;
    const admission = state.limiter.admit(
      modelClass,
      call.usage.inputTokens + call.usage.cacheWrite5mTokens + call.usage.cacheWrite1hTokens,
      reservedTokens,
      { headers: stream },
    );
    if (admission.retryAfterMs !== undefined) {
      throw new ApiError(
        'rate_limit_error',
        `This request would exceed your organization's rate limit of ${admission.refusedBy} per minute for ${valid.model.id}. Please retry after the time in the retry-after header.`,
        { ...admission.headers, 'retry-after': retryAfterHeader(state.clock, admission.retryAfterMs) },
      );
    }
    const reservation = new OutputReservation(state.limiter, modelClass, reservedTokens);
    try {
      await answer(state, res, ctx, call, { stream, fault, streamHeaders: admission.headers, model, reservation });
    } finally {
      // A call that failed before settling gives its whole reservation back.
      reservation.settle(0);
    }
  } catch (error) {
    const apiError = error instanceof ApiError ? error : new ApiError('api_error', 'Internal server error');
    sendApiError(res, apiError, ctx.requestId);
    state.recorder.record({
      ...baseRecord(state, ctx),
      model,
      stream,
      status: apiError.status,
      errorType: apiError.type,
      fault: fault?.kind,
    });
  }
}

/** An admitted call's output reservation; a class rather than a closure, because one is made per call. */
class OutputReservation {
  private settled = false;

  constructor(
    private readonly limiter: RateLimiter,
    private readonly modelClass: ModelClass,
    private readonly reservedTokens: number,
  ) {}

  /** Corrects the reservation to the tokens produced; only the first call counts. */
  settle(outputTokens: number): void {
    if (this.settled) return;
    this.settled = true;
    this.limiter.settleOutput(this.modelClass, this.reservedTokens, outputTokens);
  }
}

interface AnswerOptions {
  stream: boolean;
  fault: FaultWindow | undefined;
  /** Rate-limit headers as of admission: a stream sends them before its output exists. */
  streamHeaders: Readonly<Record<string, string>>;
  model: string;
  reservation: OutputReservation;
}

/** Sends an admitted call's answer (JSON or SSE, with its latency), settles its output reservation, records it. */
async function answer(
  state: FakeClaudeState,
  res: ServerResponse,
  ctx: CallContext,
  call: PlannedCall,
  options: AnswerOptions,
): Promise<void> {
  const { stream, fault, streamHeaders, model, reservation } = options;
  const messageId = state.nextId('msg');
  if (call.latency.ttftMs > 0) await state.clock.sleepMs(call.latency.ttftMs);
  // The response has started: from now on, concurrent requests can read what this one wrote.
  state.cache.commit(call.cachePlan);
  const stopReason = call.reply.stopReason;

  if (stream) {
    const streamFault = fault?.kind === 'mid_stream_error' || fault?.kind === 'early_close' ? fault.kind : undefined;
    const result = await writeStream(res, state.clock, call, messageId, ctx.requestId, streamHeaders, streamFault);
    const failed = result.outcome !== 'completed';
    state.recorder.record({
      ...baseRecord(state, ctx),
      model,
      stream,
      errorType: failed ? (result.outcome === 'mid_stream_error' ? 'overloaded_error' : result.outcome) : undefined,
      fault: streamFault,
      usage: failed ? { ...call.usage, outputTokens: result.outputTokensSent } : call.usage,
      stopReason: failed ? undefined : stopReason,
    });
    reservation.settle(result.outputTokensSent);
    return;
  }

  const generationMs = (call.usage.outputTokens - 1) * call.latency.msPerOutputToken;
  if (generationMs > 0) await state.clock.sleepMs(generationMs);
  const body = messageJson(call, messageId);
  // A non-streamed answer's rate-limit headers are those after its output reservation is corrected.
  reservation.settle(call.usage.outputTokens);
  const headers = state.limiter.headersFor(call.model.modelClass);
  if (fault?.kind === 'early_close') {
    res.writeHead(200, { ...headers, 'content-type': 'application/json', 'request-id': ctx.requestId });
    res.write(body.slice(0, Math.floor(body.length / 2)));
    res.destroy();
    state.recorder.record({
      ...baseRecord(state, ctx),
      model,
      errorType: 'early_close',
      fault: 'early_close',
      usage: call.usage,
    });
    return;
  }
  // headersFor returns a fresh object, so the request id joins it without another copy.
  headers['request-id'] = ctx.requestId;
  sendJson(res, 200, body, headers);
  state.recorder.record({ ...baseRecord(state, ctx), model, usage: call.usage, stopReason });
}

/** `never_answer`: keep the socket open and silent until the client gives up or the server closes. */
function holdForever(
  state: FakeClaudeState,
  req: IncomingMessage,
  ctx: CallContext,
  model: string,
  stream: boolean,
): Promise<void> {
  return new Promise((resolve) => {
    req.socket.once('close', () => {
      state.recorder.record({
        ...baseRecord(state, ctx),
        model,
        stream,
        status: 0,
        errorType: 'never_answer',
        fault: 'never_answer',
      });
      resolve();
    });
  });
}

/** Answers `POST /v1/messages/count_tokens` with `{input_tokens}` (no caching, no rate limit). */
export function handleCountTokens(
  state: FakeClaudeState,
  res: ServerResponse,
  bodyText: string,
  ctx: CallContext,
): void {
  let model: string | undefined;
  try {
    const valid = validateMessagesRequest(parseJsonBody(bodyText), {
      forCountTokens: true,
      betas: ctx.betas,
      verifySignature: state.signer.verify,
    });
    model = valid.model.id;
    const tokens = countRequestTokens(valid.body, valid.model);
    sendJson(res, 200, JSON.stringify({ input_tokens: tokens.totalTokens }), { 'request-id': ctx.requestId });
    state.recorder.record({ ...baseRecord(state, ctx), endpoint: 'count_tokens', model });
  } catch (error) {
    const apiError = error instanceof ApiError ? error : new ApiError('api_error', 'Internal server error');
    sendApiError(res, apiError, ctx.requestId);
    state.recorder.record({
      ...baseRecord(state, ctx),
      endpoint: 'count_tokens',
      model,
      status: apiError.status,
      errorType: apiError.type,
    });
  }
}
