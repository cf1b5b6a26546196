/**
 * Prints, for each route with a request body, the OpenAPI 3.0 schema zod derives from its request
 * schema: the starting point for `docs/openapi.json`, which is written by hand and checked in;
 * `test/unit/openapi.test.ts` compares the two. Run with `npx tsx scripts/openapi-body-schemas.ts`.
 */
import { z } from 'zod';
import { requestBodies } from '#shared/http/schemas';

const schemas = Object.fromEntries(
  Object.entries(requestBodies).map(([route, schema]) => [
    route,
    z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'throw' }),
  ]),
);
process.stdout.write(`${JSON.stringify(schemas, null, 2)}\n`);
