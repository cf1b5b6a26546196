import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkConfiguration, portsFor } from '#shared/runtime';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('per-function wiring', () => {
  it('builds a function that declares no needs without any configuration, and gives it no table or vault', async () => {
    // Prepare
    vi.stubEnv('TABLE_NAME', undefined);
    vi.stubEnv('PICKUP_CODE_SECRET', undefined);
    vi.stubEnv('PICKUP_CODE_SECRET_ARN', undefined);

    // Act
    const ports = (await portsFor({ name: 'needs-nothing', needs: {} })) as unknown as Record<string, unknown>;

    // Assess
    expect({ parcels: 'parcels' in ports, vault: 'vault' in ports, clock: 'clock' in ports }).toEqual({ parcels: false, vault: false, clock: true });
  });

  it('builds a table function without the pickup-code secret, which it never reads', async () => {
    // Prepare
    vi.stubEnv('TABLE_NAME', 'unit-table');
    vi.stubEnv('PICKUP_CODE_SECRET', undefined);
    vi.stubEnv('PICKUP_CODE_SECRET_ARN', undefined);

    // Act
    const ports = (await portsFor({ name: 'table-only', needs: { table: 'read' } })) as unknown as Record<string, unknown>;

    // Assess
    expect({ parcels: 'parcels' in ports, vault: 'vault' in ports }).toEqual({ parcels: true, vault: false });
  });

  it('fails a cold start with the name of the missing variable, and tries again on the next invocation', async () => {
    // Prepare
    vi.stubEnv('TABLE_NAME', undefined);

    // Act
    const first = portsFor({ name: 'needs-table', needs: { table: 'readWrite' } });

    // Assess
    await expect(first).rejects.toThrow(/TABLE_NAME/);
    vi.stubEnv('TABLE_NAME', 'unit-table');
    await expect(portsFor({ name: 'needs-table', needs: { table: 'readWrite' } })).resolves.toHaveProperty('parcels');
  });

  it('refuses a pickup-code function whose environment names no secret', () => {
    // Act / Assess
    expect(() => checkConfiguration({ table: 'read', pickupCodeSecret: true }, { TABLE_NAME: 't' })).toThrow(
      /set PICKUP_CODE_SECRET_ARN \(deployed\) or PICKUP_CODE_SECRET \(local\)/,
    );
  });

  it('refuses a notifier function without its topics and sender, naming each variable', () => {
    // Act / Assess
    expect(() => checkConfiguration({ notifier: true }, { PARCEL_EVENTS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:parcel-events' })).toThrow(
      /OPERATOR_ALERTS_TOPIC_ARN.*EMAIL_SENDER/,
    );
  });

  it('gives a notifier function its notifier and publisher, and the sent log with its table', async () => {
    // Prepare
    vi.stubEnv('TABLE_NAME', 'unit-table');
    vi.stubEnv('PARCEL_EVENTS_TOPIC_ARN', 'arn:aws:sns:eu-west-1:123456789012:parcel-events');
    vi.stubEnv('OPERATOR_ALERTS_TOPIC_ARN', 'arn:aws:sns:eu-west-1:123456789012:operator-alerts');
    vi.stubEnv('EMAIL_SENDER', 'no-reply@lockers.example.com');

    // Act
    const ports = (await portsFor({ name: 'tells-people', needs: { table: 'readWrite', notifier: true } })) as unknown as Record<string, unknown>;

    // Assess
    expect({ notifier: 'notifier' in ports, publisher: 'publisher' in ports, sent: 'sent' in ports }).toEqual({ notifier: true, publisher: true, sent: true });
  });

  it('refuses a malformed service setting with its name, whatever the function needs', () => {
    // Act / Assess
    expect(() => checkConfiguration({}, { ALLOCATION_STRATEGY: 'random' })).toThrow(/ALLOCATION_STRATEGY/);
  });
});
