import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Where each mapping got to: per function, the stream it read and, per shard, the last sequence
 * number handled. Kept in the data directory with `--persist`, so a restarted `npm start` resumes
 * after the last record it handled: it neither sends old messages again nor misses those written
 * while it stopped. Without a directory they live in memory only.
 */
export interface FunctionCheckpoints {
  readonly streamArn: string;
  readonly shards: Readonly<Record<string, ShardCheckpoint>>;
}

export interface ShardCheckpoint {
  readonly sequenceNumber?: string;
  /** Closed and read to its end. */
  readonly done?: true;
}

/** What a poller knows of a shard, as far as its checkpoint goes. */
export interface ShardPosition {
  readonly shardId: string;
  readonly checkpoint: string | undefined;
  readonly done: boolean;
}

export const checkpointsFileName = 'stream-checkpoints.json';

export interface CheckpointStore {
  /** What was kept for a function when the store opened. */
  kept(functionName: string): FunctionCheckpoints | undefined;
  save(functionName: string, streamArn: string, shards: Iterable<ShardPosition>): void;
  /** Resolves once every save so far is on disk. */
  flushed(): Promise<void>;
}

export async function openCheckpoints(directory: string | undefined, log: (line: string) => void): Promise<CheckpointStore> {
  const kept = directory === undefined ? undefined : await readCheckpoints(directory);
  const current: Record<string, FunctionCheckpoints> = { ...kept };
  let saving: Promise<void> = Promise.resolve();
  return {
    kept: (functionName) => kept?.[functionName],
    save(functionName, streamArn, shards) {
      current[functionName] = {
        streamArn,
        shards: Object.fromEntries(
          [...shards].map((shard) => [
            shard.shardId,
            { ...(shard.checkpoint === undefined ? {} : { sequenceNumber: shard.checkpoint }), ...(shard.done ? { done: true as const } : {}) },
          ]),
        ),
      };
      if (directory === undefined) return;
      // Writes follow one another, each with the whole state as it was when asked.
      const snapshot = { ...current };
      saving = saving.then(() => writeCheckpoints(directory, snapshot)).catch((error: unknown) => log(`[dynamodb-streams] could not keep the checkpoints: ${String(error)}`));
    },
    flushed: () => saving,
  };
}

async function readCheckpoints(directory: string): Promise<Record<string, FunctionCheckpoints> | undefined> {
  try {
    return JSON.parse(await readFile(join(directory, checkpointsFileName), 'utf8')) as Record<string, FunctionCheckpoints>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Through a staging file, so a crash mid-write never leaves half a file to resume from. */
async function writeCheckpoints(directory: string, checkpoints: Record<string, FunctionCheckpoints>): Promise<void> {
  await mkdir(directory, { recursive: true });
  const file = join(directory, checkpointsFileName);
  const staging = `${file}.${process.pid}.tmp`;
  await writeFile(staging, JSON.stringify(checkpoints, null, 2));
  await rename(staging, file);
}
