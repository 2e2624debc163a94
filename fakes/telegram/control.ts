import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { ApiError } from './api-error.ts';
import {
  blockSchema,
  ControlInputError,
  callsQuerySchema,
  chatSchema,
  injectBatchSchema,
  injectUpdateSchema,
  messageQuerySchema,
  parseInput,
  resetSchema,
  statsQuerySchema,
  updatesQuerySchema,
  waitReplySchema,
} from './control-input.ts';
import type { FakeTelegram } from './fake.ts';
import { nowMs } from './recorder.ts';
import { readBody, sendReply } from './server.ts';

type Route = (fake: FakeTelegram, input: Input) => unknown;
interface Input {
  query: URLSearchParams;
  body: unknown;
}

function fromQuery<S extends z.ZodType>(schema: S, input: Input, where: string): z.output<S> {
  return parseInput(schema, Object.fromEntries(input.query), where);
}

/** Control endpoints by `METHOD path`; the README documents each with curl examples. */
const ROUTES: ReadonlyMap<string, Route> = new Map<string, Route>([
  ['GET /control/now', () => ({ now_ms: nowMs() })],
  ['GET /control/stats', (fake, input) => fake.stats(fromQuery(statsQuerySchema, input, 'GET /control/stats'))],
  [
    'POST /control/updates',
    (fake, input) => fake.inject(parseInput(injectUpdateSchema, input.body, 'POST /control/updates')),
  ],
  [
    'POST /control/updates/batch',
    (fake, input) => fake.injectBatch(parseInput(injectBatchSchema, input.body, 'POST /control/updates/batch').updates),
  ],
  ['GET /control/updates', (fake, input) => fake.updates(fromQuery(updatesQuerySchema, input, 'GET /control/updates'))],
  ['GET /control/message', (fake, input) => fake.message(fromQuery(messageQuerySchema, input, 'GET /control/message'))],
  ['GET /control/calls', (fake, input) => fake.calls(fromQuery(callsQuerySchema, input, 'GET /control/calls'))],
  [
    'POST /control/wait-reply',
    (fake, input) => fake.waitForReply(parseInput(waitReplySchema, input.body, 'POST /control/wait-reply')),
  ],
  ['POST /control/block', (fake, input) => fake.setBlocked(parseInput(blockSchema, input.body, 'POST /control/block'))],
  [
    'POST /control/unblock',
    (fake, input) =>
      fake.setBlocked({ ...parseInput(blockSchema, input.body, 'POST /control/unblock'), blocked: false }),
  ],
  ['POST /control/chats', (fake, input) => fake.addChat(parseInput(chatSchema, input.body, 'POST /control/chats'))],
  [
    'POST /control/reset',
    (fake, input) => fake.reset(parseInput(resetSchema, input.body ?? {}, 'POST /control/reset')),
  ],
]);

const ENDPOINTS = [...ROUTES.keys()].join(', ');

/**
 * Serves `/control/...`: JSON in, `{ok:true,result,now_ms}` out, errors in the Bot API's shape with a
 * description that names the field and the fix. Lets a load generator in any process or language
 * drive the fake.
 */
export function handleControlRequest(fake: FakeTelegram, req: IncomingMessage, res: ServerResponse, url: string): void {
  const question = url.indexOf('?');
  const path = question === -1 ? url : url.slice(0, question);
  const route = ROUTES.get(`${req.method} ${path.replace(/\/+$/, '')}`);
  if (route === undefined) {
    sendReply(
      res,
      new ApiError(404, `Not Found: no control endpoint ${req.method} ${path.slice(0, 80)}; endpoints: ${ENDPOINTS}`),
    );
    req.resume();
    return;
  }
  readBody(req, res, fake.options.maxBodyBytes, (raw) => {
    let body: unknown;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        sendReply(
          res,
          new ApiError(400, 'Bad Request: the control body must be JSON (Content-Type: application/json)'),
        );
        return;
      }
    }
    const input: Input = { query: new URLSearchParams(question === -1 ? '' : url.slice(question + 1)), body };
    Promise.resolve()
      .then(() => route(fake, input))
      .then(
        (result) =>
          sendReply(
            res,
            `{"ok":true,"result":${JSON.stringify(result === undefined ? true : result)},"now_ms":${nowMs()}}`,
          ),
        (error: unknown) => {
          const description =
            error instanceof ControlInputError
              ? error.message
              : `the fake could not do this: ${error instanceof Error ? error.message : String(error)}`;
          sendReply(res, new ApiError(400, `Bad Request: ${description}`));
        },
      );
  });
}
