/**
 * Categories file: `slug,name,parent_slug,description` (slug and name required), upserted by slug.
 * A parent may be a category of the file (before or after its children) or one the supplier has.
 */
import type { TxCtx } from '../../infra/context.js';
import { readHeader, RowReader } from './imports.csv.js';
import { widthMatches, type ImportHandler } from './imports.job.js';
import * as repo from './imports.repo.js';

export const CATEGORY_COLUMNS = ['slug', 'name', 'parent_slug', 'description'] as const;
const REQUIRED = ['slug', 'name'] as const;

interface CategoryLine {
  line: number;
  slug: string;
  name: string;
  /** undefined: the column is absent (the parent is left alone); null: no parent. */
  parent: string | null | undefined;
  description: string | null | undefined;
}

/**
 * Imports a categories file (see `ImportHandler`). Problems: bad or duplicate slugs, a missing
 * name, a parent that is neither in the file nor the supplier's, a category made its own ancestor.
 * Summary: `categories_created`, `categories_updated`, `categories_unchanged`.
 */
export const importCategories: ImportHandler = async (tx: TxCtx, job) => {
  const header = readHeader(job.header, { columns: CATEGORY_COLUMNS, required: REQUIRED }, job.problems);
  if (!header) return null;
  const rows: CategoryLine[] = [];
  const lineOfSlug = new Map<string, number>();
  for (const record of job.records) {
    if (!widthMatches(job, record, header.width)) continue;
    const r = new RowReader(record, header, job.problems);
    const slug = r.slug('slug', { required: true });
    const name = r.text('name', { required: true, max: 200 });
    const parent = r.slug('parent_slug');
    const description = r.text('description', { max: 5000, multiline: true });
    if (slug) {
      const first = lineOfSlug.get(slug);
      if (first !== undefined) r.fail('slug', `"${slug}" is already on line ${first}`);
      else lineOfSlug.set(slug, r.line);
      if (parent === slug) r.fail('parent_slug', 'a category cannot be its own parent');
    }
    if (r.ok && slug && name) rows.push({ line: r.line, slug, name, parent, description });
  }

  const existing = await repo.listCategories(tx.db, job.supplierId);
  const bySlug = new Map(existing.map((c) => [c.slug, c]));
  const slugOfId = new Map(existing.map((c) => [c.id, c.slug]));
  // The tree once the file is applied: slug → parent slug.
  const parentOf = new Map<string, string | null>(existing.map((c) => [c.slug, c.parentId ? (slugOfId.get(c.parentId) ?? null) : null]));
  for (const row of rows) {
    if (row.parent !== undefined) parentOf.set(row.slug, row.parent);
    else if (!parentOf.has(row.slug)) parentOf.set(row.slug, null);
  }
  for (const row of rows) {
    if (!row.parent) continue;
    if (!lineOfSlug.has(row.parent) && !bySlug.has(row.parent)) {
      job.problems.add(row.line, 'parent_slug', `no category "${row.parent}" in the file or among the supplier's categories`);
      continue;
    }
    const path = [row.slug];
    for (let cur: string | null | undefined = row.parent; cur; cur = parentOf.get(cur)) {
      path.push(cur);
      if (cur === row.slug) {
        job.problems.add(row.line, 'parent_slug', `makes a cycle: ${path.join(' → ')}`);
        break;
      }
      if (path.length > parentOf.size + 1) break;
    }
  }
  if (job.problems.count > 0) return null;

  const withDescription = header.columns.has('description');
  const changed = await repo.upsertCategories(
    tx.db,
    job.supplierId,
    rows.map((r) => ({ slug: r.slug, name: r.name, description: r.description ?? null })),
    withDescription,
  );
  const idOf = new Map(existing.map((c) => [c.slug, c.id]));
  for (const c of changed) idOf.set(c.slug, c.id);
  const created = changed.filter((c) => !bySlug.has(c.slug)).length;
  const updatedIds = new Set(changed.filter((c) => bySlug.has(c.slug)).map((c) => c.id));
  if (header.columns.has('parent_slug')) {
    const reparented = await repo.setCategoryParents(
      tx.db,
      job.supplierId,
      rows.map((r) => ({ id: idOf.get(r.slug)!, parentId: r.parent ? idOf.get(r.parent)! : null })),
    );
    const existingIds = new Set(existing.map((c) => c.id));
    for (const id of reparented) if (existingIds.has(id)) updatedIds.add(id);
  }
  return {
    categories_created: created,
    categories_updated: updatedIds.size,
    categories_unchanged: rows.length - created - updatedIds.size,
  };
};
