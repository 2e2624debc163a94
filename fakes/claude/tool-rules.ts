/**
 * The API's checks on `tools` and `tool_choice`, with its own messages:
 * - a custom tool's name must match `^[a-zA-Z0-9_-]{1,128}$`
 *   ("tools.0.custom.name: String should match pattern ..."), names must be unique;
 * - its `input_schema` must be a JSON Schema (draft 2020-12) of `type: "object"`, without `oneOf`/`allOf`/`anyOf`
 *   at the top level ("tools.1.custom.input_schema: JSON schema is invalid. It must match JSON Schema draft 2020-12 ...");
 * - `tool_choice: {type: "tool", name}` must name a tool of the request ("Tool 'x' not found in provided tools").
 * Tools with a `type` other than `custom` are the API's server or client tools (web search, bash ...): accepted,
 * counted as input, never called by the fake.
 * Sources: the messages of real 400 answers quoted in public issue trackers (home-assistant/core#147760,
 * anthropics/claude-code#7365), the tool use docs (input_schema is JSON Schema).
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { ApiError } from './api-errors.ts';
import type { MessagesRequest, ToolParam } from './validation.ts';

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/;
const TOP_LEVEL_COMPOSITION = ['oneOf', 'allOf', 'anyOf'] as const;

/** Meta-schema checks only (no validation of data here): one instance, compiled lazily by Ajv. */
const ajv = new Ajv2020({ strict: false, validateFormats: false });

/** Whether a tool is a user-defined (custom) tool, the only kind the fake answers with `tool_use`. */
export function isCustomTool(tool: ToolParam): boolean {
  return tool.type === undefined || tool.type === 'custom';
}

/**
 * The tool's input schema as JSON Schema: `properties: null` and `required: null` (which the SDKs' MCP helper
 * sends and the API accepts) are dropped.
 *
 * @example
 * jsonSchemaOf({ name: 'x', input_schema: { type: 'object', properties: null } }) // { type: 'object' }
 */
export function jsonSchemaOf(tool: ToolParam): Record<string, unknown> {
  const schema = tool.input_schema;
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return {};
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if ((key === 'properties' || key === 'required') && value === null) continue;
    out[key] = value;
  }
  return out;
}

function invalidSchema(index: number): ApiError {
  return new ApiError(
    'invalid_request_error',
    `tools.${index}.custom.input_schema: JSON schema is invalid. It must match JSON Schema draft 2020-12 ` +
      '(https://json-schema.org/draft/2020-12). Learn more about tool use at https://docs.claude.com/en/docs/tool-use.',
  );
}

function checkCustomTool(tool: ToolParam, index: number): void {
  if (!TOOL_NAME.test(tool.name)) {
    throw new ApiError(
      'invalid_request_error',
      `tools.${index}.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'`,
    );
  }
  const raw = tool.input_schema;
  if (raw === undefined) {
    throw new ApiError('invalid_request_error', `tools.${index}.custom.input_schema: Field required`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw invalidSchema(index);
  const schema = jsonSchemaOf(tool);
  if (schema.type !== 'object') {
    throw new ApiError('invalid_request_error', `tools.${index}.custom.input_schema.type: Input should be 'object'`);
  }
  if (TOP_LEVEL_COMPOSITION.some((key) => key in schema)) {
    throw new ApiError(
      'invalid_request_error',
      `tools.${index}.custom.input_schema: input_schema does not support oneOf, allOf, or anyOf at the top level`,
    );
  }
  // The draft named by `$schema` is not enforced: the API validates against 2020-12, and MCP servers often
  // declare draft-07, whose keywords 2020-12 accepts.
  const { $schema: _declared, ...rest } = schema;
  let valid = false;
  try {
    valid = ajv.validateSchema(rest) === true;
  } catch {
    valid = false;
  }
  if (!valid) throw invalidSchema(index);
}

/**
 * Checks `tools` and `tool_choice`; throws the API's 400 on the first problem.
 *
 * @example
 * checkTools({ ...body, tool_choice: { type: 'tool', name: 'nope' } }) // throws "Tool 'nope' not found in provided tools"
 */
export function checkTools(body: MessagesRequest): void {
  const tools = body.tools ?? [];
  const names = new Set<string>();
  tools.forEach((tool, index) => {
    if (isCustomTool(tool)) checkCustomTool(tool, index);
    if (names.has(tool.name)) {
      throw new ApiError('invalid_request_error', `tools: Tool names must be unique. Found '${tool.name}' twice.`);
    }
    names.add(tool.name);
  });
  const choice = body.tool_choice;
  if (choice?.type === 'tool' && !names.has(choice.name)) {
    throw new ApiError('invalid_request_error', `Tool '${choice.name}' not found in provided tools`);
  }
}
