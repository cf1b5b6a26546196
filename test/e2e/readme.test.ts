import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { client, stackForFile } from './support.ts';

/**
 * The README's "Try it" session, run as a new user pastes it: every ```sh block of that section (its
 * subsections included, in order) in one bash, against a local stack from sources under `e2e` and
 * from the synthesized bundles under `e2e-assembly`. A block added to the section is run too;
 * assert what it promises below.
 */
const stack = stackForFile();
const { call } = client(stack);

const readmeApi = 'api=http://127.0.0.1:3000';

/** The ```sh blocks between the "## Try it" heading and the next heading of the same level. */
function sessionBlocks(readme: string): string[] {
  const start = readme.indexOf('\n## Try it\n');
  if (start === -1) throw new Error('README.md has no "## Try it" section');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((match) => match[1]!);
}

/**
 * The session as one script: the README's blocks, each announced, with `api` pointing at this
 * stack. `set -eu` makes a failing command (a `slot 05` that finds nothing, an unset variable)
 * end the run. Every curl also prints its status, method and URL after the body, so the output
 * says which request answered what; the blocks read bodies with `sed -n`, which ignores that line.
 */
function sessionScript(blocks: readonly string[], url: string): string {
  const first = blocks[0] ?? '';
  if (!first.split('\n').includes(readmeApi)) throw new Error(`The first block of the session must set ${readmeApi}`);
  return [
    'set -eu',
    `curl() { command curl -w '\\n=> %{http_code} %{method} %{url_effective}\\n' "$@"; }`,
    ...blocks.map((block, index) => `echo "### block ${index + 1} (at $SECONDS s)"\n${index === 0 ? block.replace(readmeApi, `api=${url}`) : block}`),
  ].join('\n');
}

interface Run {
  readonly code: number | null;
  readonly output: string;
}

/** Runs the script in bash; a session still running after `timeoutMs` (a wait that never ends) is killed. */
function runBash(script: string, timeoutMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      output += `\n[killed after ${timeoutMs} ms]`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** Every request of the session as `<status> <method> <path>`, in order. */
function requests(output: string, url: string): string[] {
  return [...output.matchAll(/^=> (\d{3}) (\S+) (\S+)$/gm)].map(([, status, method, target]) => `${status} ${method} ${target!.replace(url, '')}`);
}

interface ParcelBody {
  readonly parcelId: string;
  readonly status: string;
  readonly slotId: string;
}
interface SlotBody {
  readonly slotId: string;
  readonly service: string;
}

describe("the README's session", () => {
  it('runs to its end when pasted block by block, and every request answers what its comment says', async () => {
    const blocks = sessionBlocks(readFileSync(new URL('../../README.md', import.meta.url), 'utf8'));
    const url = stack().url;
    // About 30 s on an idle machine, three times that on a loaded one: the doors' waits are real time.
    const run = await runBash(sessionScript(blocks, url), 150_000);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain(`### block ${blocks.length} (`);
    const sent = requests(run.output, url);

    // Nothing failed on the service's side, and the only refusals are the ones the README shows:
    // the kiosk while the locker is offline, and putting back a forced slot whose door is still open.
    expect(sent.filter((request) => request.startsWith('5')), run.output).toEqual([]);
    const refusals = sent.filter((request) => request.startsWith('4'));
    expect(refusals.filter((request) => request !== '409 PATCH /locations/central/lockers/A/slots/02'), run.output).toEqual([
      '409 POST /locations/central/pickup',
    ]);
    expect(run.output).toContain('"code":"LOCKER_OFFLINE"');

    expect(sent).toEqual(
      expect.arrayContaining([
        '201 POST /locations',
        '201 POST /locations/central/lockers',
        '201 POST /parcels',
        '202 POST /locations/central/pickup',
        '200 PATCH /locations/central/lockers/A/slots/05',
        '202 POST /locations/central/lockers/A/slots/01/open',
        '200 PATCH /locations/central/lockers/A/slots/02',
        '200 PUT /me',
      ]),
    );
    // Each fault showed on its door.
    expect(run.output).toMatch(/"slotId":"05"[^{}]*"service":"OUT_OF_SERVICE","fault":"JAMMED"/);
    expect(run.output).toMatch(/"slotId":"01"[^{}]*"service":"OUT_OF_SERVICE","fault":"DOOR_LEFT_OPEN"/);
    expect(run.output).toMatch(/"slotId":"02"[^{}]*"service":"OUT_OF_SERVICE","fault":"FORCED_OPEN"/);
    // The reminder went out once the clock had moved.
    expect(run.output).toContain('"reminded":1');

    // Alice's first parcel was stored in door 05 and collected; her second, moved to door 06 by the
    // jam, expired and went back to the carrier.
    const alice = await stack().issueToken({ sub: 'alice', role: 'customer' });
    const parcels = await call('GET', '/parcels', { token: alice });
    expect(parcels.status).toBe(200);
    const mine = (parcels.body as { items: ParcelBody[] }).items.map(({ status, slotId }) => ({ status, slotId }));
    expect(mine).toEqual(expect.arrayContaining([{ status: 'RETRIEVED', slotId: '05' }, { status: 'RETURNED', slotId: '06' }]));
    expect(mine).toHaveLength(2);

    // The locker is back online with every door in service, and Bob's parcel waits for him.
    const admin = await stack().issueToken({ sub: 'admin-1', role: 'admin' });
    const location = await call('GET', '/locations/central', { token: admin });
    const [locker] = (location.body as { lockers: { online: boolean; slots: SlotBody[] }[] }).lockers;
    expect(locker?.online).toBe(true);
    expect(locker?.slots.filter((slot) => slot.service !== 'IN_SERVICE')).toEqual([]);
    const bob = await stack().issueToken({ sub: 'bob', role: 'customer' });
    const bobs = await call('GET', '/parcels', { token: bob });
    expect((bobs.body as { items: ParcelBody[] }).items.map(({ status }) => status)).toEqual(['STORED']);
    expect((await call('GET', '/_local/dead-letters')).body).toEqual({ items: [] });
  }, 200_000);
});
