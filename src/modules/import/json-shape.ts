/**
 * Where a streaming reader stands in a JSON Schema (the export's TypeBox schemas are plain JSON Schema): the
 * candidate schemas at one place of the document, so a string can be cut off at its maxLength and a list or
 * object the schema does not allow refused before it is read. Only what those questions need is understood
 * (type, const, maxLength, contentEncoding, properties, patternProperties, additionalProperties, items, anyOf);
 * the full check of each value is still the schema's own, after it is read.
 */

export type JsonSchema = Record<string, unknown>;

/** The schemas a value at one place may match (several under a union), or anything at all. */
export interface Shape {
  free: boolean;
  schemas: JsonSchema[];
}

const FREE: Shape = { free: true, schemas: [] };
/** Nothing is allowed here: the schema refuses the value whatever it is, once read (and it is kept short). */
const NONE: Shape = { free: false, schemas: [] };

/** Longest string where the schema says nothing about length (free values: CSL items, revision meta…). */
export const FREE_STRING_MAX = 1_000_000;
/** Longest string read where the schema wants no string: enough to say what it is in the refusal. */
const UNWANTED_STRING_MAX = 1000;

const isObject = (v: unknown): v is JsonSchema => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A schema's alternatives, unions flattened. */
function alternatives(schema: JsonSchema, out: JsonSchema[]): void {
  const anyOf = schema.anyOf ?? schema.oneOf;
  if (!Array.isArray(anyOf)) {
    out.push(schema);
    return;
  }
  for (const s of anyOf) if (isObject(s)) alternatives(s, out);
}

/** The shape of a value the schema describes (undefined: anything). */
export function shapeOf(schema: JsonSchema | undefined): Shape {
  if (!schema) return FREE;
  const schemas: JsonSchema[] = [];
  alternatives(schema, schemas);
  // A schema with no type and no const (Type.Unknown) allows anything.
  if (schemas.some((s) => s.type === undefined && s.const === undefined)) return FREE;
  return { free: false, schemas };
}

function merge(children: (JsonSchema | true)[]): Shape {
  if (children.some((c) => c === true)) return FREE;
  if (children.length === 0) return NONE;
  const schemas: JsonSchema[] = [];
  for (const c of children as JsonSchema[]) {
    const s = shapeOf(c);
    if (s.free) return FREE;
    schemas.push(...s.schemas);
  }
  return { free: false, schemas };
}

/** The shape of the value under `key` of an object at `shape`. */
export function shapeChild(shape: Shape, key: string): Shape {
  if (shape.free) return FREE;
  const children: (JsonSchema | true)[] = [];
  for (const s of shape.schemas) {
    if (s.type !== 'object') continue;
    const named = isObject(s.properties) ? s.properties[key] : undefined;
    if (isObject(named)) {
      children.push(named);
      continue;
    }
    const patterns = isObject(s.patternProperties) ? Object.entries(s.patternProperties) : [];
    const matching = patterns.find(([pattern]) => new RegExp(pattern, 'u').test(key));
    if (matching && isObject(matching[1])) children.push(matching[1]);
    else if (s.additionalProperties === undefined || s.additionalProperties === true) children.push(true);
    else if (isObject(s.additionalProperties)) children.push(s.additionalProperties);
  }
  return merge(children);
}

/** The shape of each item of a list at `shape`. */
export function shapeItems(shape: Shape): Shape {
  if (shape.free) return FREE;
  const children: (JsonSchema | true)[] = [];
  for (const s of shape.schemas) {
    if (s.type !== 'array') continue;
    children.push(isObject(s.items) ? s.items : true);
  }
  return merge(children);
}

/** True when a list (`array`) or object may stand here, else what may, for the refusal ("expected string"). */
export function shapeTakes(shape: Shape, kind: 'array' | 'object'): true | string {
  if (shape.free || shape.schemas.some((s) => s.type === kind)) return true;
  const types = [...new Set(shape.schemas.map((s) => String(s.type ?? 'nothing')))];
  return types.length > 0 ? types.join(' or ') : `no ${kind} here`;
}

/** The longest string that may stand here, and whether it is base64 (bytes, bounded by their own limit). */
export function stringLimit(shape: Shape): { limit: number; base64: boolean } {
  if (shape.free) return { limit: FREE_STRING_MAX, base64: false };
  let limit = -1;
  let base64 = false;
  for (const s of shape.schemas) {
    if (s.type !== 'string') continue;
    const max =
      typeof s.const === 'string' ? s.const.length : typeof s.maxLength === 'number' ? s.maxLength : FREE_STRING_MAX;
    limit = Math.max(limit, max);
    if (s.contentEncoding === 'base64') base64 = true;
  }
  return limit < 0 ? { limit: UNWANTED_STRING_MAX, base64: false } : { limit, base64 };
}
