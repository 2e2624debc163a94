import type { Tool } from '@anthropic-ai/sdk/resources/messages';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type pino from 'pino';
import { UpstreamHttpError } from '../resilience/failures.ts';
import type { UpstreamPolicy } from '../resilience/policy.ts';

/**
 * Knowledge over MCP: the official SDK client on Streamable HTTP. Two ways to use it: `search` calls the server's
 * `search` tool directly (the bot puts the snippets in the prompt), `tools` and `callTool` hand the server's tools to
 * Claude (the bot runs the tool loop, llm/tool-loop.ts).
 * One session per bot instance, opened on first use and reused by every lookup (an MCP session costs an
 * initialize round trip; opening one per question would double the lookup's latency). When a call fails the
 * session is dropped, and the next lookup reconnects - a restarted server forgets its sessions (404).
 * Every call runs through the `mcp` upstream policy, so a failing knowledge server is retried, limited and
 * broken like Claude; whether its breaker is Claude's too is the `resilience.breakerScope` knob.
 */

export interface KnowledgeClient {
  /**
   * Snippets relevant to `query` as text for the prompt; undefined when there are none or the lookup failed
   * (a question is still answered, just without the knowledge).
   */
  search(query: string): Promise<string | undefined>;
  /**
   * The server's tools as Claude tool definitions (listed once per session); undefined when the server cannot be
   * reached.
   */
  tools(): Promise<Tool[] | undefined>;
  /** Runs one tool call for Claude; a failure comes back as an error result, for Claude to answer without it. */
  callTool(name: string, input: unknown): Promise<ToolCallResult>;
  close(): Promise<void>;
}

/** What a tool call gives back to Claude as its `tool_result`. */
export interface ToolCallResult {
  /** The text content of the result (or of the error). */
  text: string;
  /** True when the tool failed: the server said so, or the call did not get through. */
  isError: boolean;
}

export interface KnowledgeClientDeps {
  /** MCP endpoint, e.g. `http://127.0.0.1:4100/mcp`. */
  url: string;
  policy: UpstreamPolicy;
  logger: pino.Logger;
  /** Called once per lookup with its outcome, for metrics. */
  onOutcome?: (outcome: 'ok' | 'empty' | 'fallback') => void;
  /** Snippets asked for per lookup. Default 3. */
  limit?: number;
}

const CLIENT_INFO = { name: 'botcap-reference-bot', version: '0.1.0' };

/**
 * The SDK, imported with the first lookup rather than with this module: it adds ~14 MB of RSS to a process that
 * already holds the bot's other modules (measured), and an instance whose knowledge lookup is off never needs it.
 */
function loadSdk() {
  return Promise.all([
    import('@modelcontextprotocol/sdk/client/index.js'),
    import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
  ]);
}

/** The text blocks of an MCP tool result, joined; other content kinds are named, not inlined. */
function resultText(content: unknown): string {
  const blocks = Array.isArray(content) ? (content as Array<{ type: string; text?: string }>) : [];
  return blocks.map((block) => (block.type === 'text' ? (block.text ?? '') : `[${block.type} content]`)).join('\n');
}

/**
 * @example
 * const knowledge = createKnowledgeClient({ url: config.mcp.url, policy: policies.forUpstream('mcp'), logger });
 * const snippets = await knowledge.search('ECB rate decision'); // '- ECB holds rates (2026-11-28): ...'
 */
export function createKnowledgeClient(deps: KnowledgeClientDeps): KnowledgeClient {
  const { policy, logger } = deps;
  let session: Promise<Client> | undefined;
  let toolList: Promise<Tool[]> | undefined;

  function connect(signal: AbortSignal): Promise<Client> {
    session ??= (async () => {
      const [{ Client }, { StreamableHTTPClientTransport }] = await loadSdk();
      const client = new Client(CLIENT_INFO);
      await client.connect(new StreamableHTTPClientTransport(new URL(deps.url)), { signal });
      logger.debug({ url: deps.url }, 'MCP session opened');
      return client;
    })();
    return session;
  }

  async function dropSession(): Promise<void> {
    const current = session;
    session = undefined;
    toolList = undefined;
    if (!current) return;
    try {
      await (await current).close();
    } catch {
      // the session was already broken; nothing to close
    }
  }

  /** Runs `work` on the session; a failure drops the session and surfaces HTTP errors with their status. */
  async function onSession<T>(signal: AbortSignal, work: (client: Client) => Promise<T>): Promise<T> {
    try {
      return await work(await connect(signal));
    } catch (error) {
      await dropSession();
      const [, { StreamableHTTPError }] = await loadSdk();
      if (error instanceof StreamableHTTPError && error.code !== undefined) {
        throw new UpstreamHttpError(`MCP server answered HTTP ${error.code}`, error.code);
      }
      throw error;
    }
  }

  function callSearch(query: string, signal: AbortSignal): Promise<string[]> {
    return onSession(signal, async (client) => {
      const result = await client.callTool(
        { name: 'search', arguments: { query, limit: deps.limit ?? 3 } },
        undefined,
        { signal },
      );
      const texts = (Array.isArray(result.content) ? result.content : [])
        .map((block: { type: string; text?: string }) => (block.type === 'text' ? (block.text ?? '') : ''))
        .filter((text: string) => text.length > 0);
      // A tool-level error means the server is up but the search backend is not: count it as an upstream failure.
      if (result.isError) throw new UpstreamHttpError(`MCP search failed: ${texts.join(' ').slice(0, 200)}`, 502);
      return texts;
    });
  }

  function listTools(signal: AbortSignal): Promise<Tool[]> {
    toolList ??= onSession(signal, async (client) => {
      const { tools } = await client.listTools(undefined, { signal });
      // An MCP tool's inputSchema is already a JSON Schema object: a Claude tool definition is a rename of fields.
      return tools.map(
        (tool): Tool => ({
          name: tool.name,
          ...(tool.description === undefined ? {} : { description: tool.description }),
          input_schema: tool.inputSchema,
        }),
      );
    }).catch((error: unknown) => {
      toolList = undefined;
      throw error;
    });
    return toolList;
  }

  return {
    async search(query) {
      const snippets = await policy.execute(
        (signal) => callSearch(query, signal),
        () => undefined,
      );
      const outcome = snippets === undefined ? 'fallback' : snippets.length === 0 ? 'empty' : 'ok';
      deps.onOutcome?.(outcome);
      return snippets && snippets.length > 0 ? snippets.map((s) => `- ${s}`).join('\n') : undefined;
    },
    tools: () =>
      policy.execute(
        (signal) => listTools(signal),
        () => undefined,
      ),
    async callTool(name, input) {
      const result = await policy.execute(
        (signal) =>
          onSession(signal, async (client) => {
            const args = input !== null && typeof input === 'object' ? (input as Record<string, unknown>) : {};
            const answer = await client.callTool({ name, arguments: args }, undefined, { signal });
            return { text: resultText(answer.content), isError: answer.isError === true };
          }),
        (): ToolCallResult => ({ text: `The ${name} tool is unavailable right now.`, isError: true }),
      );
      deps.onOutcome?.(result.isError ? 'fallback' : result.text.length > 0 ? 'ok' : 'empty');
      return result;
    },
    close: dropSession,
  };
}
