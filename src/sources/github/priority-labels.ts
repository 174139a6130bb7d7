/**
 * priorityLabels ordering (kelos-behaviour §2.7): a stable sort by the lowest index of any of the item's
 * labels in the list; items with none of them go last.
 */
export function priorityIndex(labels: readonly string[], priorityLabels: readonly string[]): number {
  let best = priorityLabels.length;
  for (const label of labels) {
    const index = priorityLabels.indexOf(label);
    if (index >= 0 && index < best) best = index;
  }
  return best;
}

/** A new array; the input order is kept among equals (Array.prototype.sort is stable since ES2019). */
export function sortByPriorityLabels<T extends { labels: readonly string[] }>(items: readonly T[], priorityLabels: readonly string[] | undefined): T[] {
  if (!priorityLabels?.length) return [...items];
  return items
    .map((item) => ({ item, rank: priorityIndex(item.labels, priorityLabels) }))
    .sort((a, b) => a.rank - b.rank)
    .map(({ item }) => item);
}
