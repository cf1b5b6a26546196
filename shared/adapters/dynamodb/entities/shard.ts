/** Spreads a sparse index over partitions so it never has one hot key (FNV-1a of the item's id). */
export function shardOf(id: string, shards: number): number {
  let hash = 2166136261;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 16777619);
  return (hash >>> 0) % shards;
}
