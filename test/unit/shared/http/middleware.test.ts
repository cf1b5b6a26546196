import { afterEach, describe, expect, it, vi } from 'vitest';
import { apiGatewayEvent, lambdaContext } from '#test/helpers/events';

/** The allowed origins are read when the module loads, as at a Lambda cold start. */
async function healthHandlerWithOrigins(origins: string | undefined) {
  vi.resetModules();
  if (origins === undefined) delete process.env.CORS_ALLOWED_ORIGINS;
  else process.env.CORS_ALLOWED_ORIGINS = origins;
  return (await import('#functions/http/health')).handler;
}

afterEach(() => {
  delete process.env.CORS_ALLOWED_ORIGINS;
});

describe('CORS on Lambda responses', () => {
  it('allows an origin the deployment lists', async () => {
    // Prepare
    const handler = await healthHandlerWithOrigins('https://app.example.com,https://ops.example.com');

    // Act
    const response = await handler(apiGatewayEvent({ headers: { Origin: 'https://ops.example.com' } }), lambdaContext());

    // Assess
    expect(response.headers?.['Access-Control-Allow-Origin']).toBe('https://ops.example.com');
  });

  it('sends no allow-origin header to an origin the deployment does not list', async () => {
    // Prepare
    const handler = await healthHandlerWithOrigins('https://app.example.com');

    // Act
    const response = await handler(apiGatewayEvent({ headers: { Origin: 'https://evil.example.net' } }), lambdaContext());

    // Assess
    expect(response.headers?.['Access-Control-Allow-Origin']).not.toBe('https://evil.example.net');
    expect(response.statusCode).toBe(200);
  });

  it('sends no allow-origin header when no origin is configured', async () => {
    // Prepare
    const handler = await healthHandlerWithOrigins(undefined);

    // Act
    const response = await handler(apiGatewayEvent({ headers: { Origin: 'https://app.example.com' } }), lambdaContext());

    // Assess
    expect(response.headers).not.toHaveProperty('Access-Control-Allow-Origin');
  });
});
