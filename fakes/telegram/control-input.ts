import { z } from 'zod';
import { redactSecrets } from '../../common/redact.ts';
import { formatZodIssues } from '../../common/validation.ts';

/**
 * Schemas of control API bodies: one zod schema gives both the TypeScript type and the validation,
 * used by the HTTP control API and the in-process API alike. Field names are snake_case, as the Bot API.
 */

const int = z.number().int().refine(Number.isSafeInteger, 'expected a safe integer');
const chatId = int.refine(
  (id) => id !== 0,
  'chat ids are non-zero (positive: private chat = user id, negative: group)',
);

/** Addresses one bot of the fake; both optional (default: the first token, production environment). */
const target = {
  /** One of the fake's tokens. Default: the first. */
  token: z.string().min(1).optional(),
  /** The `/bot<token>/test/...` environment, whose state is separate. Default false. */
  test_environment: z.boolean().optional(),
};

const updateCommon = {
  ...target,
  /** The sending user; also the private chat id. */
  user_id: int.positive('user_id must be a positive integer (it is also the private chat id)'),
  /** Chat of the update; default the user's private chat (= user_id). Negative ids are groups. */
  chat_id: chatId.optional(),
  chat_type: z.enum(['private', 'group', 'supergroup']).optional(),
  chat_title: z.string().min(1).max(128).optional(),
  first_name: z.string().min(1).max(64).optional(),
  username: z
    .string()
    .regex(/^[A-Za-z0-9_]{5,32}$/, 'username is 5-32 of [A-Za-z0-9_]')
    .optional(),
  language_code: z.string().min(2).max(8).optional(),
  /** When the injector meant the update to happen, on the fake's `now_ms` clock (coordinated omission). */
  intended_ms: z.number().nonnegative().optional(),
};

export const injectUpdateSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('message'),
    ...updateCommon,
    text: z.string().min(1, 'text must not be empty').max(4096, 'text is at most 4096 characters'),
  }),
  z.object({
    kind: z.literal('command'),
    ...updateCommon,
    command: z
      .string()
      .regex(/^\/?[A-Za-z0-9_]{1,32}$/, 'command is 1-32 of [A-Za-z0-9_], with or without the leading /'),
    /** Text after the command, e.g. `payload` in `/start payload`. */
    args: z.string().max(4000).optional(),
  }),
  z.object({
    kind: z.literal('callback_query'),
    ...updateCommon,
    data: z
      .string()
      .min(1)
      .refine((data) => Buffer.byteLength(data) <= 64, 'callback data is 1-64 bytes'),
    /** The bot message whose button was pressed; default the bot's last message in the chat. */
    message_id: int.positive().optional(),
  }),
]);

/** One update to inject, as given (optional fields may be missing). */
export type InjectUpdateInput = z.input<typeof injectUpdateSchema>;
/** One update to inject, validated. */
export type InjectUpdate = z.output<typeof injectUpdateSchema>;

export const injectBatchSchema = z.object({
  updates: z.array(injectUpdateSchema).min(1).max(10_000, 'at most 10,000 updates per batch'),
});

/** Query strings carry text: numbers and booleans are coerced, and must still be valid. */
const queryInt = z.coerce.number().pipe(int);
const queryBool = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');
const queryTarget = { token: z.string().min(1).optional(), test_environment: queryBool.optional() };

export const callsQuerySchema = z.object({
  ...queryTarget,
  chat_id: queryInt.optional(),
  method: z.string().min(1).optional(),
  since_ms: z.coerce.number().nonnegative().optional(),
  since_seq: queryInt.pipe(z.number().nonnegative()).optional(),
  ok_only: queryBool.optional(),
  limit: queryInt.pipe(z.number().min(1).max(100_000, 'limit is at most 100,000; page with since_seq')).optional(),
});

export const updatesQuerySchema = z.object({
  ...queryTarget,
  chat_id: queryInt.optional(),
  since_ms: z.coerce.number().nonnegative().optional(),
  limit: queryInt.pipe(z.number().min(1).max(100_000)).optional(),
});

export const statsQuerySchema = z.object(queryTarget);

export const messageQuerySchema = z.object({
  ...queryTarget,
  chat_id: queryInt,
  /** Default: the bot's last message in the chat (the one whose buttons a user would press). */
  message_id: queryInt.optional(),
});

/** Which message to read: `chat_id`, and `message_id` or the bot's last one. */
export interface MessageQuery {
  chat_id: number;
  message_id?: number;
  token?: string;
  test_environment?: boolean;
}

export const waitReplySchema = z.object({
  ...target,
  chat_id: chatId,
  /** Only replies at or after this `now_ms`; default: now (the next reply). */
  since_ms: z.number().nonnegative().optional(),
  /** Real milliseconds to wait; null result after it. */
  timeout_ms: z.number().int().min(0).max(120_000, 'timeout_ms is at most 120000 (2 minutes)'),
});

export const blockSchema = z.object({
  ...target,
  user_id: int.positive(),
  /** true: the user blocked the bot (sendMessage -> 403); false: unblocked. Default true. */
  blocked: z.boolean().optional(),
});

export const chatSchema = z.object({
  ...target,
  chat_id: chatId,
  type: z.enum(['private', 'group', 'supergroup']).optional(),
  title: z.string().min(1).max(128).optional(),
  first_name: z.string().min(1).max(64).optional(),
});

export const resetSchema = z.object({
  /** Reset only this bot; default every bot and environment. */
  token: z.string().min(1).optional(),
  test_environment: z.boolean().optional(),
});

export type WaitReplyInput = z.input<typeof waitReplySchema>;
export type BlockInput = z.input<typeof blockSchema>;
export type ChatInput = z.input<typeof chatSchema>;

/** A control request (HTTP or in-process) that does not match its schema; the message names field and fix. */
export class ControlInputError extends Error {
  override name = 'ControlInputError';
}

/** Validates control input with its schema, or throws {@link ControlInputError} listing every bad field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, where: string): z.output<S> {
  const parsed = schema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  throw new ControlInputError(
    redactSecrets(`invalid input for ${where}: ${formatZodIssues(parsed.error, input).join('; ')}`),
  );
}
