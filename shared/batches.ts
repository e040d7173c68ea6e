/** Splits work into request-sized batches (20 per `$batch`, 15 per `in` filter, 100 per Table transaction…). */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}
