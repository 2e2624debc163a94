/**
 * The fake MCP server's fault knobs as types and values only (no server code), so the scenario schema can
 * name the fault kinds without loading the MCP SDK.
 */

/** How an injected failure looks: HTTP 503 (the client transport throws) or a tool result with `isError` (server up, backend down). */
export const MCP_FAULT_KINDS = ['http-503', 'tool-error'] as const;
export type McpFaultKind = (typeof MCP_FAULT_KINDS)[number];

/** A scheduled fault: in `[fromMs, toMs)` of simulated ms since the fake started, `rate` of requests fail as `kind`. */
export interface FakeMcpFaultWindow {
  fromMs: number;
  toMs: number;
  /** Share (0..1) of requests in the window that fail. Default 1 (the server is down). */
  rate?: number;
  /** Default: the faults' `errorKind`. */
  kind?: McpFaultKind;
}

export interface FakeMcpFaults {
  /** Probability (0..1) that a request fails. Default 0. */
  errorRate?: number;
  /** How a failure looks: HTTP 503 (the transport throws) or a tool result with `isError` (server up, backend down). Default `http-503`. */
  errorKind?: McpFaultKind;
  /** Every request fails in this window, simulated ms since the fake started (`{ fromMs: 0, toMs: Infinity }` = down). */
  outage?: { fromMs: number; toMs: number };
  /** Scheduled faults, e.g. an outage in the middle of a run; see `runMs()`. Default none. */
  windows?: readonly FakeMcpFaultWindow[];
  /** Added to every tool call's latency, simulated ms. Default 0. */
  extraDelayMs?: number;
}
