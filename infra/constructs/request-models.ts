import { JsonSchemaVersion, type JsonSchema, type JsonSchemaType } from 'aws-cdk-lib/aws-apigateway';
import { z } from 'zod';

/**
 * API Gateway validates request bodies against JSON Schema draft 4 only. These are the draft-4
 * keywords we allow through; anything else zod might emit (a newer keyword, a `$ref`) fails the
 * synth instead of being silently ignored or rejected at deploy time.
 */
const draft4Keywords = new Set([
  '$schema',
  'type',
  'title',
  'description',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'additionalItems',
  'minItems',
  'maxItems',
  'uniqueItems',
  'enum',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minProperties',
  'maxProperties',
  'anyOf',
  'oneOf',
  'allOf',
  'not',
  'format',
  'default',
]);

type JsonObject = { readonly [key: string]: unknown };

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function convert(node: JsonObject, at: string): JsonSchema {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (!draft4Keywords.has(key)) {
      throw new Error(`${at}: JSON Schema keyword "${key}" is not accepted by API Gateway (draft 4)`);
    }
    if ((key === 'exclusiveMinimum' || key === 'exclusiveMaximum') && typeof value !== 'boolean') {
      throw new Error(`${at}: "${key}" must be a boolean in draft 4`);
    }
    switch (key) {
      case '$schema':
        out['schema'] = JsonSchemaVersion.DRAFT4;
        break;
      case 'type':
        out['type'] = value as JsonSchemaType | JsonSchemaType[];
        break;
      case 'properties':
        out['properties'] = Object.fromEntries(
          Object.entries(value as JsonObject).map(([name, child]) => [name, convert(child as JsonObject, `${at}.${name}`)]),
        );
        break;
      case 'items':
        out[key] = Array.isArray(value)
          ? value.map((child: JsonObject, i) => convert(child, `${at}.items[${i}]`))
          : convert(value as JsonObject, `${at}.items`);
        break;
      case 'not':
        out[key] = convert(value as JsonObject, `${at}.${key}`);
        break;
      case 'additionalItems':
      case 'additionalProperties':
        out[key] = isObject(value) ? convert(value, `${at}.${key}`) : value;
        break;
      case 'anyOf':
      case 'oneOf':
      case 'allOf':
        out[key] = (value as JsonObject[]).map((child, i) => convert(child, `${at}.${key}[${i}]`));
        break;
      default:
        out[key] = value;
    }
  }
  return out as JsonSchema;
}

/**
 * The API Gateway model for a zod request schema. `io: 'input'` describes what a client sends
 * (defaults make a field optional); refinements zod cannot express in JSON Schema stay with the
 * handler, which validates with the same zod schema.
 */
export function requestModelSchema(schema: z.core.$ZodType, name: string): JsonSchema {
  const json = z.toJSONSchema(schema, { target: 'draft-4', io: 'input', unrepresentable: 'throw' });
  return convert(json as JsonObject, name);
}
