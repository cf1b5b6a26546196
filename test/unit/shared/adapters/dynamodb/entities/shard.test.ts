import { describe, expect, it } from 'vitest';
import { shardOf } from '#shared/adapters/dynamodb/entities/shard';

describe('shardOf', () => {
  it('is 32-bit FNV-1a of the id, so items written by one release are found by the next', () => {
    // Act: with 2^32 shards the shard is the hash itself.
    const hashes = ['', 'a', 'foobar'].map((id) => shardOf(id, 2 ** 32));

    // Assess: the published FNV-1a test vectors.
    expect(hashes).toEqual([0x811c9dc5, 0xe40c292c, 0xbf9cf968]);
  });

  it('stays within the shard count', () => {
    // Act
    const shards = Array.from({ length: 200 }, (_, i) => shardOf(`p-${i}`, 8));

    // Assess
    expect(new Set(shards)).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7]));
  });
});
