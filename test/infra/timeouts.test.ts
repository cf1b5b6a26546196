import { beforeAll, describe, expect, it } from 'vitest';
import { sdkSettings } from '#shared/config';
import { answerMarginMs } from '#shared/lambda';
import { functionDefinitions } from '#shared/manifest';
import { logicalId, synthesizeApp, type SynthesizedApp } from './synth.ts';

/** API Gateway's integration timeout for a REST API: past it the caller gets a 504 whatever the function does. */
const apiGatewayTimeoutSeconds = 29;

describe('HTTP functions answer before their caller stops waiting', () => {
  let timeouts: Map<string, number>;

  beforeAll(() => {
    const synthesized: SynthesizedApp = synthesizeApp();
    const resources = synthesized.statelessTemplate.toJSON().Resources as Record<string, { Properties: { Timeout?: number } }>;
    timeouts = new Map(
      [...synthesized.stateless.functions.byName].map(([name, fn]) => [name, resources[logicalId(fn.function)]?.Properties.Timeout ?? 3]),
    );
  });

  const httpFunctions = functionDefinitions.filter((definition) => definition.kind === 'http').map((definition) => definition.name);

  it.each(httpFunctions)('%s times out below API Gateway\'s 29 s, with time to work after the margin kept to answer', (name) => {
    // Act
    const timeoutSeconds = timeouts.get(name);

    // Assess
    const { SDK_CONNECTION_TIMEOUT_MS, SDK_REQUEST_TIMEOUT_MS } = sdkSettings({});
    expect(timeoutSeconds).toBeDefined();
    expect(timeoutSeconds! < apiGatewayTimeoutSeconds).toBe(true);
    // At least one SDK attempt fits in the working time, so a slow dependency is given up by its own timeout first.
    expect(timeoutSeconds! * 1000 - answerMarginMs).toBeGreaterThan(SDK_CONNECTION_TIMEOUT_MS + SDK_REQUEST_TIMEOUT_MS);
  });
});
