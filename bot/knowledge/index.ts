/** Knowledge over MCP (Streamable HTTP), one reused session per instance: a direct lookup, or tools for Claude. */
export {
  createKnowledgeClient,
  type KnowledgeClient,
  type KnowledgeClientDeps,
  type ToolCallResult,
} from './mcp-knowledge.ts';
