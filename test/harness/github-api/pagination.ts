/** GitHub's page-number pagination: `per_page` (default 30, at most 100), `page`, and the `Link` header. */

export function paginate<T>(all: readonly T[], url: URL): { items: T[]; link?: string } {
  const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? 30) || 30));
  const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
  const last = Math.max(1, Math.ceil(all.length / perPage));
  const items = all.slice((page - 1) * perPage, page * perPage);
  if (last === 1) return { items };
  const at = (n: number) => {
    const target = new URL(url.toString());
    target.searchParams.set('page', String(n));
    return `<${target.toString()}>`;
  };
  // GitHub lists prev, next, last, first, omitting the ones that do not apply.
  const parts: string[] = [];
  if (page > 1) parts.push(`${at(page - 1)}; rel="prev"`);
  if (page < last) parts.push(`${at(page + 1)}; rel="next"`, `${at(last)}; rel="last"`);
  if (page > 1) parts.push(`${at(1)}; rel="first"`);
  return { items, link: parts.join(', ') };
}
