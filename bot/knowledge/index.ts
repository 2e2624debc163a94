/** Knowledge lookup over MCP (Streamable HTTP), one reused session per instance. */
export { createKnowledgeClient, type KnowledgeClient, type KnowledgeClientDeps } from './mcp-knowledge.ts';
