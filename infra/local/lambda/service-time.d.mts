export function shiftDate(offset: Float64Array, applies: () => boolean): () => number;
