/**
 * The control API under `/control/...` (no API key; the fake binds 127.0.0.1 only). Each route calls the same
 * typed operation the in-process `FakeClaude` object exposes, so tests, the CLI and another language's
 * harness see one behaviour.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConfigError } from '../../common/errors.ts';
import { ApiError } from './api-errors.ts';
import { readBody, sendJson } from './http-io.ts';
import { MODELS } from './models.ts';
import type { FakeClaudeState } from './state.ts';
import { RATE_LIMIT_TIERS } from './tiers.ts';

const CONTROL_BODY_LIMIT_BYTES = 1024 * 1024;

function controlError(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message } }));
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ConfigError('the body is not valid JSON; send e.g. {"windows":[]} with content-type application/json');
  }
}

function intParam(params: URLSearchParams, name: string): number | undefined {
  const raw = params.get(name);
  if (raw === null) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new ConfigError(`query parameter ${name} must be a non-negative integer, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/**
 * Handles one `/control/...` request.
 *
 * Routes: GET usage | GET calls?since=&limit= | GET, PUT faults | GET, PUT rate-limits | GET cache |
 * GET models | POST reset | GET health.
 *
 * @example
 * // curl -X PUT $URL/control/faults -d '{"windows":[{"fromMs":0,"toMs":60000,"rate":0.2,"kind":"529"}]}'
 */
export async function handleControl(
  state: FakeClaudeState,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: string,
): Promise<void> {
  const method = req.method ?? 'GET';
  const route = `${method} ${path}`;
  try {
    const body = method === 'GET' ? '' : await readBody(req, CONTROL_BODY_LIMIT_BYTES);
    const params = new URLSearchParams(query);
    const send = (value: unknown) => sendJson(res, 200, JSON.stringify(value));
    switch (route) {
      case 'GET /control/health':
        return send({ ok: true, runMs: state.runMs(), timeScale: state.clock.timeScale });
      case 'GET /control/usage':
        return send(state.usage());
      case 'GET /control/calls': {
        const since = intParam(params, 'since');
        const limit = intParam(params, 'limit');
        const calls = state.calls({ since, limit });
        return send({ calls, lastSeq: calls[calls.length - 1]?.seq ?? since ?? 0 });
      }
      case 'GET /control/faults':
        return send(state.getFaults());
      case 'PUT /control/faults':
      case 'POST /control/faults':
        return send(state.setFaults(parseJson(body)));
      case 'GET /control/rate-limits':
        return send({ tier: state.getTier(), presets: Object.keys(RATE_LIMIT_TIERS) });
      case 'PUT /control/rate-limits':
      case 'POST /control/rate-limits': {
        const parsed = parseJson(body);
        const tier = parsed !== null && typeof parsed === 'object' && 'tier' in parsed ? parsed.tier : undefined;
        if (tier === undefined)
          throw new ConfigError('send {"tier": "tier-1"} (a preset name) or {"tier": {...limits}}');
        return send({ tier: state.setTier(tier) });
      }
      case 'GET /control/cache':
        return send({ entries: state.cache.size() });
      case 'GET /control/models':
        return send({ models: MODELS });
      case 'POST /control/reset':
        state.reset();
        return send({ ok: true });
      default:
        return controlError(res, 404, `no control route ${route}; see fakes/claude/README.md`);
    }
  } catch (error) {
    if (error instanceof ConfigError) return controlError(res, 400, error.message);
    // Over CONTROL_BODY_LIMIT_BYTES: 413, read to its end first so the client sees the answer, not a reset.
    if (error instanceof ApiError) return controlError(res, error.status, error.message);
    // JSON nested thousands deep parses, but validating it overflows the stack: the client's body, so a 4xx.
    if (error instanceof RangeError) return controlError(res, 400, 'the body is nested too deeply; send a flat object');
    return controlError(res, 500, error instanceof Error ? error.message : String(error));
  }
}
