import { readFileSync } from 'node:fs';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020.js';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  clearDocument,
  commandDocument,
  commandReasons,
  commandToExecute,
  type DoorReport,
  defaultDoorTimings,
  newCommand,
  parseReport,
} from '#shared/domain/door';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const markdown = readFileSync(new URL('../../../docs/door-contract.md', import.meta.url), 'utf8');

/** Every ```json block of the contract, parsed: a block that is not JSON fails here, not in a firmware. */
const blocks: JsonObject[] = [...markdown.matchAll(/```json\n([\s\S]*?)\n```/g)].map((match) => JSON.parse(match[1]!) as JsonObject);
const schemas = blocks.filter((block) => block.$schema !== undefined);
const examples = blocks.filter((block) => block.$schema === undefined);

const isObject = (value: Json | undefined): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);
const stateOf = (block: JsonObject): JsonObject => (isObject(block.state) ? block.state : {});

const now = new Date('2026-01-01T00:00:00Z');
const sampleReport: DoorReport = { lock: 'UNLOCKED', door: 'OPEN', lastCommandId: '01JGZ8Q4TS8B7C2ZJ3W9V6M0XA', fault: null };

describe('the door contract document', () => {
  let validateCommand: ValidateFunction;
  let validateReport: ValidateFunction;

  beforeAll(() => {
    // Strict: an unknown keyword or a schema that is not draft 2020-12 fails the compile.
    const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
    for (const schema of schemas) ajv.addSchema(schema);
    validateCommand = ajv.getSchema('urn:locker-service:door-command')!;
    validateReport = ajv.getSchema('urn:locker-service:door-report')!;
  });

  it('publishes the command and the report schemas, in JSON Schema draft 2020-12', () => {
    expect(schemas.map((schema) => [schema.$id, schema.$schema])).toEqual([
      ['urn:locker-service:door-command', 'https://json-schema.org/draft/2020-12/schema'],
      ['urn:locker-service:door-report', 'https://json-schema.org/draft/2020-12/schema'],
    ]);
    expect(validateCommand).toBeTypeOf('function');
    expect(validateReport).toBeTypeOf('function');
  });

  describe('the command schema', () => {
    it.each(commandReasons)('accepts the document the service writes for a %s command', (reason) => {
      // Prepare
      const document = commandDocument(newCommand('01JGZ8Q4TS8B7C2ZJ3W9V6M0XA', reason, now, defaultDoorTimings));

      // Act
      const valid = validateCommand(document);

      // Assess
      expect(validateCommand.errors ?? []).toEqual([]);
      expect(valid).toBe(true);
    });

    it('names exactly the reasons the service uses', () => {
      const command = (schemas[0]!.$defs as JsonObject).command as JsonObject;
      expect(((command.properties as JsonObject).reason as JsonObject).enum).toEqual([...commandReasons]);
    });

    it.each([
      ['a lock other than UNLOCKED', { lock: 'LOCKED' }],
      ['an empty command id', { commandId: '' }],
      ['an unknown reason', { reason: 'REPAIR' }],
      ['a deadline in milliseconds as a string', { expiresAt: '1767225630000' }],
      ['a fractional deadline', { expiresAt: 1767225630.5 }],
      ['a field the contract does not define', { priority: 'high' }],
    ])('refuses a command with %s', (_case, change) => {
      // Prepare
      const document = { state: { desired: { ...newCommand('c-1', 'PICKUP', now, defaultDoorTimings), ...change } } };

      // Act / Assess
      expect(validateCommand(document)).toBe(false);
    });

    it('refuses a command without its deadline', () => {
      // Prepare
      const { expiresAt: _expiresAt, ...withoutDeadline } = newCommand('c-1', 'PICKUP', now, defaultDoorTimings);

      // Act / Assess
      expect(validateCommand({ state: { desired: withoutDeadline } })).toBe(false);
    });
  });

  describe('the report schema', () => {
    it('accepts a full report, which the service reads back unchanged', () => {
      // Prepare
      const document = { state: { reported: sampleReport } };

      // Act
      const valid = validateReport(document);

      // Assess
      expect(validateReport.errors ?? []).toEqual([]);
      expect(valid).toBe(true);
      expect(parseReport(document.state.reported)).toEqual(sampleReport);
    });

    it('accepts a report with no command yet and no fault, and a jam', () => {
      expect(validateReport({ state: { reported: { lock: 'LOCKED', door: 'CLOSED', lastCommandId: null, fault: null } } })).toBe(true);
      expect(validateReport({ state: { reported: { ...sampleReport, lock: 'LOCKED', door: 'CLOSED', fault: 'JAMMED' } }, clientToken: 't-1' })).toBe(true);
    });

    it.each([
      ['a door state the contract does not know', { door: 'AJAR' }],
      ['a fault the locker does not report', { fault: 'BROKEN' }],
      ['a numeric command id', { lastCommandId: 42 }],
      ['a field the contract does not define', { battery: 80 }],
    ])('refuses a report with %s', (_case, change) => {
      expect(validateReport({ state: { reported: { ...sampleReport, ...change } } })).toBe(false);
    });

    it('refuses a report that leaves a field out', () => {
      const { lastCommandId: _lastCommandId, ...partial } = sampleReport;
      expect(validateReport({ state: { reported: partial } })).toBe(false);
    });

    it('refuses a report that writes desired', () => {
      expect(validateReport({ state: { reported: sampleReport, desired: { lock: 'UNLOCKED' } } })).toBe(false);
    });
  });

  describe('the examples', () => {
    it('has a command, a delta, reports and the clearing among them', () => {
      expect(examples.filter((example) => isObject(stateOf(example).desired))).not.toHaveLength(0);
      expect(examples.filter((example) => isObject(stateOf(example).reported))).not.toHaveLength(0);
      expect(examples.filter((example) => typeof example.timestamp === 'number')).toHaveLength(1);
      expect(examples.filter((example) => stateOf(example).desired === null)).toHaveLength(1);
    });

    it('shows only commands the command schema accepts', () => {
      for (const example of examples.filter((candidate) => isObject(stateOf(candidate).desired))) {
        expect([example, validateCommand(example)]).toEqual([example, true]);
      }
    });

    it('shows only reports the report schema accepts and the service reads', () => {
      for (const example of examples.filter((candidate) => isObject(stateOf(candidate).reported))) {
        expect([example, validateReport(example)]).toEqual([example, true]);
        expect(parseReport(stateOf(example).reported)).toEqual(stateOf(example).reported);
      }
    });

    it("shows a delta the locker acts on before the deadline and refuses after it, as the simulated lockers do", () => {
      // Prepare
      const delta = stateOf(examples.find((example) => typeof example.timestamp === 'number')!);
      const deadline = Number(delta.expiresAt) * 1000;

      // Act
      const before = commandToExecute(delta, new Set(), deadline - 1_000);
      const after = commandToExecute(delta, new Set(), deadline);

      // Assess
      expect(before).toEqual({ command: delta });
      expect(after).toEqual({ refused: 'expired', commandId: delta.commandId });
    });

    it('shows the clearing exactly as the service writes it', () => {
      const clearing = examples.find((example) => stateOf(example).desired === null)!;
      expect(clearing).toEqual(clearDocument(Number(clearing.version)));
    });
  });
});
