import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExportedSigningKeys } from './auth.ts';
import type { ShadowSnapshotEntry } from './iot/shadow-service.ts';

/**
 * What `npm start -- --persist` keeps in `.local/data` besides the table: every secret the stack
 * would otherwise generate at start, so pickup codes and tokens issued before a restart still work
 * after it. Kept in one JSON file readable by its owner only (mode 0600), like an SSH key.
 */
export interface LocalSecrets {
  /** `PICKUP_CODE_SECRET` of `npm start` (the source functions). */
  readonly pickupCodeSecret: string;
  /** The local user pool's signing keys. */
  readonly signingKeys: ExportedSigningKeys;
  /** The local Secrets Manager's values by secret name (`npm run start:assembly`). */
  readonly secretsManager: Readonly<Record<string, string>>;
}

export const secretsFileName = 'secrets.json';

export async function readLocalSecrets(directory: string): Promise<LocalSecrets | undefined> {
  try {
    return JSON.parse(await readFile(join(directory, secretsFileName), 'utf8')) as LocalSecrets;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Writes atomically (a whole file or the old one, never half), readable by its owner only. */
export async function writeLocalSecrets(directory: string, secrets: LocalSecrets): Promise<void> {
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const file = join(directory, secretsFileName);
  const staging = `${file}.${process.pid}.tmp`;
  await writeFile(staging, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  // The mode given to writeFile is masked by the umask; chmod is not.
  await chmod(staging, 0o600);
  await rename(staging, file);
}

/** 64 random characters, as the deployed secrets are generated. */
export const randomSecret = () => randomBytes(48).toString('base64url');

export const shadowsFileName = 'shadows.json';

/**
 * The device shadows, kept beside the table: a slot remembers its door's last shadow version, and
 * a shadow service starting again from version 0 would have every new report taken for an old one.
 */
export async function readShadows(directory: string): Promise<ShadowSnapshotEntry[] | undefined> {
  try {
    return JSON.parse(await readFile(join(directory, shadowsFileName), 'utf8')) as ShadowSnapshotEntry[];
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Writes the shadows a moment after they change (a door cycle changes them several times a
 * second), one write at a time, each atomic; `flush` writes what is pending now.
 */
export function shadowKeeper(directory: string, snapshot: () => readonly ShadowSnapshotEntry[]) {
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();
  const write = () => {
    timer = undefined;
    const entries = snapshot();
    writing = writing.then(async () => {
      const file = join(directory, shadowsFileName);
      const staging = `${file}.${process.pid}.tmp`;
      await writeFile(staging, JSON.stringify(entries));
      await rename(staging, file);
    });
    return writing;
  };
  return {
    changed() {
      timer ??= setTimeout(() => void write(), 200);
    },
    async flush() {
      if (timer !== undefined) {
        clearTimeout(timer);
        await write();
      }
      await writing;
    },
  };
}
