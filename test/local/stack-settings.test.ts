import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startLocalStack } from '#infra/local/stack';

// A setting the functions would refuse stops the stack before it serves anything, instead of a
// stack whose every route answers 500.

const repo = fileURLToPath(new URL('../../', import.meta.url));

/** Runs `npm start` with `env` added; resolves with its exit code and output, or kills it after `ms`. */
function npmStart(env: Record<string, string>, args: string[] = [], ms = 60_000): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/start.ts', ...args], {
    cwd: repo,
    env: { ...process.env, PORT: '0', IOT_HTTP_PORT: '0', MQTT_PORT: '0', SNS_PORT: '0', SES_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('settings the functions refuse', () => {
  it('stop startLocalStack with the variable and its range, whatever the mode', async () => {
    // Act
    const results = await Promise.allSettled([
      startLocalStack({ port: 0, doorLeftOpenSeconds: 4 }),
      startLocalStack({ port: 0, mode: 'assembly', doorCommandTimeoutSeconds: 601 }),
      startLocalStack({ port: 0, kioskAttemptsPerWindow: Number.NaN }),
    ]);

    // Assess
    expect(results.map((result) => (result.status === 'rejected' ? (result.reason as Error).message : 'started'))).toEqual([
      'Not starting: Invalid configuration for the service settings: DOOR_LEFT_OPEN_SECONDS: must be a whole number from 10 to 3600',
      'Not starting: Invalid configuration for the service settings: DOOR_COMMAND_TIMEOUT_SECONDS: must be a whole number from 5 to 600',
      'Not starting: Invalid configuration for the service settings: KIOSK_ATTEMPTS_PER_WINDOW: must be a whole number from 1 to 500',
    ]);
  });

  it('make `DOOR_LEFT_OPEN_SECONDS=4 npm start` exit with the reason before it listens', async () => {
    // Act
    const { code, output } = await npmStart({ DOOR_LEFT_OPEN_SECONDS: '4' });

    // Assess
    expect({ code, refused: output.includes('DOOR_LEFT_OPEN_SECONDS: must be a whole number from 10 to 3600'), listened: output.includes('listening on') }).toEqual({
      code: 1,
      refused: true,
      listened: false,
    });
  });

  it('make `npm start` exit on a setting the shell alone gives the functions, such as SDK_MAX_ATTEMPTS', async () => {
    // Act
    const { code, output } = await npmStart({ SDK_MAX_ATTEMPTS: '0' });

    // Assess
    expect({ code, refused: output.includes('SDK_MAX_ATTEMPTS: must be a whole number from 1 to 10') }).toEqual({ code: 1, refused: true });
  });
});
