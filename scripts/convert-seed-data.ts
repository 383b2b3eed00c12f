/**
 * `tsx scripts/convert-seed-data.ts <out dir>`: converts the seed systems' data (../shared/data,
 * or SEED_DATA_DIR) into Agora's CSV import files (docs/import.md), one folder per source:
 *
 * - `003-forsit/`: seed 003's PostgreSQL dump (`db_data_dump.sql`, INSERTs without column lists,
 *   parsed here): categories (tree), products with the latest `investory` row as stock at the
 *   default location, orders with their items;
 * - `002-mami/`: seed 002's supermarket: categories, products with derived SKUs and stock per branch;
 * - `001-shubh/`: seed 001's product list: categories and products with their SKUs.
 *
 * The data files are read at run time and never copied into the repository. Any value that does
 * not fit Agora's rules (an unknown order status, an amount with more decimals than the currency
 * has, a duplicate key) stops the conversion with a message: nothing is silently rounded.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { stringify } from 'csv-stringify/sync';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Where the seed data lives: SEED_DATA_DIR, or ../shared/data beside the repository. */
export function seedDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.SEED_DATA_DIR || path.join(ROOT, '..', 'shared', 'data'));
}

/** Stock put at each of the Mami branches for every product (seed 002 has no stock figures). */
export const MAMI_STOCK_PER_BRANCH = 50;

/** Seed 003's free-text order statuses (upper case) → Agora's (DESIGN.md section 6). */
export const SEED_003_STATUSES: Record<string, string> = {
  PENDING: 'pending',
  ACCEPTED: 'accepted',
  CONFIRMED: 'accepted',
  REJECTED: 'rejected',
  PROCESSING: 'in_progress',
  IN_PROGRESS: 'in_progress',
  READY: 'ready',
  SHIPPED: 'shipped',
  OUT_FOR_DELIVERY: 'shipped',
  DELIVERED: 'delivered',
  COMPLETED: 'completed',
  COMPLETE: 'completed',
  CANCELLED: 'cancelled',
  CANCELED: 'cancelled',
  REFUNDED: 'refunded',
};

/** One converted file. */
export interface ConvertedFile {
  kind: 'categories' | 'products' | 'orders';
  path: string;
  rows: number;
  /** For an orders file: its order numbers (a rerun can tell they are imported already). */
  orderNumbers?: string[];
}

/** One source: the supplier it becomes and its files, in import order. */
export interface ConvertedSource {
  key: string;
  origin: string;
  supplier: { name: string; slug: string; currency: string };
  files: ConvertedFile[];
  notes: string[];
}

class ConversionError extends Error {}

/** A URL-safe slug: lower-case ASCII letters and digits in words joined by dashes. */
function slugify(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
}

/** An amount with exactly `digits` decimals; more significant decimals are an error, never rounded. */
function amount(value: string | number, digits: number, what: string): string {
  const text = typeof value === 'number' ? String(value) : value.trim();
  const m = /^(-?\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) throw new ConversionError(`${what}: "${text}" is not a decimal amount`);
  const decimals = (m[2] ?? '').replace(/0+$/, '');
  if (decimals.length > digits) throw new ConversionError(`${what}: "${text}" has more than ${digits} decimals`);
  return digits === 0 ? m[1] : `${m[1]}.${decimals.padEnd(digits, '0')}`;
}

function writeCsv(file: string, header: string[], rows: (string | number)[][]): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, stringify([header, ...rows]));
}

function unique<T>(items: T[], key: (t: T) => string, what: string): void {
  const seen = new Set<string>();
  for (const item of items) {
    const k = key(item);
    if (seen.has(k)) throw new ConversionError(`${what} "${k}" appears twice`);
    seen.add(k);
  }
}

/* ---------- seed 003: a pg_dump --inserts file ---------- */

type SqlValue = string | null;

/**
 * The rows of every `INSERT INTO <schema>.<table> VALUES (…), (…);` statement of a pg_dump, by
 * table name (schema dropped). Values are strings as written (numbers too, so amounts stay exact),
 * NULL is null. Handles '…' strings with '' escapes (standard_conforming_strings), E'…' strings
 * with backslash escapes, casts (`'…'::jsonb`) and statements spanning lines.
 */
export function parseInserts(text: string): Map<string, SqlValue[][]> {
  const tables = new Map<string, SqlValue[][]>();
  const re = /INSERT INTO\s+(?:"?[\w]+"?\.)?"?(\w+)"?\s+VALUES\s*/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    const table = m[1];
    let i = re.lastIndex;
    const rows = tables.get(table) ?? [];
    tables.set(table, rows);
    const fail = (why: string) => new ConversionError(`dump: ${why} in an INSERT INTO ${table} near "${text.slice(i, i + 40)}"`);
    for (;;) {
      if (text[i] !== '(') throw fail('expected "("');
      i++;
      const row: SqlValue[] = [];
      for (;;) {
        while (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t') i++;
        let value: SqlValue;
        if (text[i] === "'" || ((text[i] === 'E' || text[i] === 'e') && text[i + 1] === "'")) {
          const escapes = text[i] !== "'";
          i += escapes ? 2 : 1;
          let out = '';
          for (;;) {
            const c = text[i];
            if (c === undefined) throw fail('unterminated string');
            if (c === "'") {
              if (text[i + 1] === "'") {
                out += "'";
                i += 2;
                continue;
              }
              i++;
              break;
            }
            if (escapes && c === '\\') {
              const n = text[i + 1];
              const map: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', '\\': '\\', "'": "'" };
              out += map[n] ?? n;
              i += 2;
              continue;
            }
            out += c;
            i++;
          }
          value = out;
        } else {
          const start = i;
          while (i < text.length && !/[,)\s:]/.test(text[i])) i++;
          const token = text.slice(start, i);
          if (!token) throw fail('expected a value');
          value = token.toUpperCase() === 'NULL' ? null : token;
        }
        // A cast ('…'::jsonb, '…'::numeric(10,2)): skipped up to the next "," or ")" outside parentheses.
        if (text.startsWith('::', i)) {
          i += 2;
          for (let depth = 0; i < text.length && (depth > 0 || (text[i] !== ',' && text[i] !== ')')); i++) {
            if (text[i] === '(') depth++;
            else if (text[i] === ')') depth--;
          }
        }
        row.push(value);
        while (text[i] === ' ' || text[i] === '\n') i++;
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ')') {
          i++;
          break;
        }
        throw fail('expected "," or ")"');
      }
      rows.push(row);
      while (text[i] === ' ' || text[i] === '\n' || text[i] === '\r') i++;
      if (text[i] === ',') {
        i++;
        while (text[i] === ' ' || text[i] === '\n' || text[i] === '\r') i++;
        continue;
      }
      if (text[i] === ';') break;
      throw fail('expected ";"');
    }
    re.lastIndex = i;
  }
  return tables;
}

/** Rows of `table` as objects, with the column order of RULES.md section 4 (checked against each row's width). */
function rowsOf(tables: Map<string, SqlValue[][]>, table: string, columns: string[]): Record<string, SqlValue>[] {
  return (tables.get(table) ?? []).map((r, n) => {
    if (r.length !== columns.length) throw new ConversionError(`dump: row ${n + 1} of ${table} has ${r.length} values, expected ${columns.length}`);
    return Object.fromEntries(columns.map((c, i) => [c, r[i]]));
  });
}

function convertForsit(dataDir: string, outDir: string): ConvertedSource {
  const file = path.join(dataDir, 'harisiqbal12+python-forsit', 'db_data_dump.sql');
  const tables = parseInserts(readFileSync(file, 'utf8'));
  const currency = 'USD';
  const digits = 2;
  const notes: string[] = [];
  const cats = rowsOf(tables, 'category', ['id', 'name', 'description', 'status', 'identifier', 'parent_id', 'created_at', 'updated_at']);
  const products = rowsOf(tables, 'product', [
    'id',
    'name',
    'description',
    'sku',
    'price',
    'cost_price',
    'avatar',
    'status',
    'created_by',
    'category_id',
    'created_at',
    'updated_at',
  ]);
  const stock = rowsOf(tables, 'investory', ['id', 'product_id', 'quantity', 'last_restock_date', 'created_at', 'updated_at']);
  const channels = rowsOf(tables, 'sales_channel', ['id', 'name', 'description', 'status', 'created_at', 'updated_at']);
  const orders = rowsOf(tables, 'orders', [
    'id',
    'order_number',
    'channel_id',
    'order_date',
    'total_amount',
    'tax_amount',
    'shipping_amount',
    'discount_amount',
    'status',
    'customer_name',
    'customer_email',
    'shipping_address',
    'billing_address',
    'created_at',
    'updated_at',
  ]);
  const items = rowsOf(tables, 'order_items', ['id', 'order_id', 'product_id', 'quantity', 'unit_price', 'subtotal', 'created_at', 'updated_at']);

  // Categories: identifier → slug (underscores become dashes), parent by id.
  const slugOfCategory = new Map(cats.map((c) => [c.id!, slugify(c.identifier ?? c.name ?? '')]));
  unique([...slugOfCategory.values()], (s) => s, 'seed 003 category slug');
  const inactiveCategories = cats.filter((c) => c.status !== 'ACTIVE').length;
  if (inactiveCategories)
    notes.push(`${inactiveCategories} categories are not ACTIVE in the dump; categories have no status column, so they import as they are`);
  const categoryRows = cats.map((c) => [slugOfCategory.get(c.id!)!, c.name!, c.parent_id ? slugOfCategory.get(c.parent_id)! : '', c.description ?? '']);

  // Stock: the latest investory row of each product (created_at, then updated_at).
  const latest = new Map<string, Record<string, SqlValue>>();
  for (const s of stock) {
    const prev = latest.get(s.product_id!);
    const key = (r: Record<string, SqlValue>) => `${r.created_at} ${r.updated_at}`;
    if (!prev || key(s) > key(prev)) latest.set(s.product_id!, s);
  }
  unique(products, (p) => p.sku!, 'seed 003 SKU');
  const skuOf = new Map(products.map((p) => [p.id!, p.sku!]));
  const productRows = products.map((p) => [
    p.sku!,
    p.name!,
    p.description ?? '',
    amount(p.price!, digits, `product ${p.sku} price`),
    p.cost_price === null ? '' : amount(p.cost_price, digits, `product ${p.sku} cost_price`),
    p.category_id ? (slugOfCategory.get(p.category_id) ?? '') : '',
    p.avatar && /^https?:\/\//.test(p.avatar) ? p.avatar : '',
    p.status === 'ACTIVE' ? 'true' : 'false',
    latest.get(p.id!)?.quantity ?? '',
  ]);

  // Orders: one row per item; order-level values repeated on each row.
  const channelName = new Map(channels.map((c) => [c.id!, c.name!]));
  const itemsOf = new Map<string, Record<string, SqlValue>[]>();
  for (const it of items) itemsOf.set(it.order_id!, [...(itemsOf.get(it.order_id!) ?? []), it]);
  unique(orders, (o) => o.order_number!, 'seed 003 order number');
  const statuses = new Map<string, number>();
  const orderRows: string[][] = [];
  let totalMismatches = 0;
  for (const o of orders) {
    const raw = (o.status ?? '')
      .trim()
      .toUpperCase()
      .replace(/[\s-]+/g, '_');
    const status = SEED_003_STATUSES[raw];
    if (!status) throw new ConversionError(`seed 003 order ${o.order_number}: unknown status "${o.status}"; add it to SEED_003_STATUSES`);
    statuses.set(`${o.status} → ${status}`, (statuses.get(`${o.status} → ${status}`) ?? 0) + 1);
    const lines = itemsOf.get(o.id!) ?? [];
    if (lines.length === 0) throw new ConversionError(`seed 003 order ${o.order_number} has no items`);
    // Items of the same product at the same price become one line.
    const merged = new Map<string, { sku: string; quantity: number; unitPrice: string }>();
    let subtotalCents = 0n;
    for (const it of lines) {
      const sku = skuOf.get(it.product_id!);
      if (!sku) throw new ConversionError(`seed 003 order ${o.order_number}: item of unknown product ${it.product_id}`);
      const unitPrice = amount(it.unit_price!, digits, `order ${o.order_number} unit_price`);
      const quantity = Number(it.quantity);
      subtotalCents += BigInt(unitPrice.replace('.', '')) * BigInt(quantity);
      const prev = merged.get(sku);
      if (prev && prev.unitPrice !== unitPrice) throw new ConversionError(`seed 003 order ${o.order_number}: ${sku} at two prices`);
      merged.set(sku, { sku, unitPrice, quantity: (prev?.quantity ?? 0) + quantity });
    }
    if (BigInt(amount(o.total_amount!, digits, 'total').replace('.', '')) !== subtotalCents) totalMismatches++;
    for (const l of merged.values()) {
      orderRows.push([
        o.order_number!,
        o.order_date ?? o.created_at!,
        status,
        o.channel_id ? (channelName.get(o.channel_id) ?? '') : '',
        o.customer_name ?? '',
        o.customer_email ?? '',
        o.shipping_address ?? '',
        o.billing_address ?? '',
        amount(o.tax_amount ?? '0', digits, 'tax'),
        amount(o.shipping_amount ?? '0', digits, 'shipping'),
        amount(o.discount_amount ?? '0', digits, 'discount'),
        l.sku,
        String(l.quantity),
        l.unitPrice,
      ]);
    }
  }
  if (totalMismatches) notes.push(`${totalMismatches} orders' total_amount differs from the sum of their items`);
  notes.push(`statuses: ${[...statuses].map(([k, n]) => `${k} (${n})`).join(', ')}`);
  notes.push(`stock from investory for ${latest.size} products (the others have no stock row and get no level)`);

  const dir = path.join(outDir, '003-forsit');
  const out = (name: string) => path.join(dir, name);
  writeCsv(out('categories.csv'), ['slug', 'name', 'parent_slug', 'description'], categoryRows);
  writeCsv(
    out('products.csv'),
    ['sku', 'name', 'description', 'price', 'cost_price', 'category_slug', 'image_url', 'is_active', 'stock:Main warehouse'],
    productRows,
  );
  writeCsv(
    out('orders.csv'),
    [
      'order_number',
      'created_at',
      'status',
      'channel',
      'customer_name',
      'customer_email',
      'shipping_address',
      'billing_address',
      'tax_total',
      'shipping_total',
      'discount_total',
      'sku',
      'quantity',
      'unit_price',
    ],
    orderRows,
  );
  return {
    key: '003-forsit',
    origin: 'seed 003 (harisiqbal12/python-forsit), db_data_dump.sql',
    supplier: { name: 'Forsit Electronics', slug: 'seed-003-forsit-electronics', currency },
    files: [
      { kind: 'categories', path: out('categories.csv'), rows: categoryRows.length },
      { kind: 'products', path: out('products.csv'), rows: productRows.length },
      { kind: 'orders', path: out('orders.csv'), rows: orderRows.length, orderNumbers: orders.map((o) => o.order_number!) },
    ],
    notes,
  };
}

/* ---------- seed 002: the Mami supermarket ---------- */

/** Seed 002's products carry no SKU: `MAMI-` + the name as a slug in upper case (stable while the name is). */
export const mamiSku = (name: string) => `MAMI-${slugify(name).toUpperCase()}`;

function convertMami(dataDir: string, outDir: string): ConvertedSource {
  const base = path.join(dataDir, 'matanmalka1+mami-supermarket-backend');
  const read = <T>(name: string): T => JSON.parse(readFileSync(path.join(base, name), 'utf8')) as T;
  const cats = read<{ name: string; description?: string }[]>('seed_categories.json');
  const products =
    read<{ category: string; name: string; unit?: string; base_price: number; description?: string; image_url?: string }[]>('seed_products.json');
  const branches = read<{ name: string; address?: string }[]>('seed_branches.json');
  const slugOf = new Map(cats.map((c) => [c.name, slugify(c.name)]));
  unique([...slugOf.values()], (s) => s, 'seed 002 category slug');
  unique(products, (p) => mamiSku(p.name), 'seed 002 derived SKU');
  const categoryRows = cats.map((c) => [slugOf.get(c.name)!, c.name, '', c.description ?? '']);
  const productRows = products.map((p) => {
    const category = slugOf.get(p.category);
    if (!category) throw new ConversionError(`seed 002 product "${p.name}": unknown category "${p.category}"`);
    return [
      mamiSku(p.name),
      p.name,
      p.description ?? '',
      amount(p.base_price, 2, `product ${p.name} price`),
      category,
      p.unit ?? 'each',
      p.image_url ?? '',
      'true',
      ...branches.map(() => String(MAMI_STOCK_PER_BRANCH)),
    ];
  });
  const dir = path.join(outDir, '002-mami');
  writeCsv(path.join(dir, 'categories.csv'), ['slug', 'name', 'parent_slug', 'description'], categoryRows);
  writeCsv(
    path.join(dir, 'products.csv'),
    ['sku', 'name', 'description', 'price', 'category_slug', 'unit', 'image_url', 'is_active', ...branches.map((b) => `stock:${b.name}`)],
    productRows,
  );
  return {
    key: '002-mami',
    origin: 'seed 002 (matanmalka1/mami-supermarket-backend), seed_*.json',
    supplier: { name: 'Mami Supermarket', slug: 'seed-002-mami-supermarket', currency: 'ILS' },
    files: [
      { kind: 'categories', path: path.join(dir, 'categories.csv'), rows: categoryRows.length },
      { kind: 'products', path: path.join(dir, 'products.csv'), rows: productRows.length },
    ],
    notes: [`${branches.length} branches as stock locations with ${MAMI_STOCK_PER_BRANCH} units of every product each (the seed has no stock figures)`],
  };
}

/* ---------- seed 001: Shubh's product list ---------- */

function convertShubh(dataDir: string, outDir: string): ConvertedSource {
  const data = JSON.parse(readFileSync(path.join(dataDir, 'Shubh-V14+ecommerce-order-system', 'products.json'), 'utf8')) as {
    categories: string[];
    products: { name: string; price: number; category: string; description?: string; sku: string; image?: string; inStock?: boolean }[];
  };
  const slugOf = new Map(data.categories.map((c) => [c, slugify(c)]));
  unique([...slugOf.values()], (s) => s, 'seed 001 category slug');
  unique(data.products, (p) => p.sku, 'seed 001 SKU');
  const categoryRows = data.categories.map((c) => [slugOf.get(c)!, c, '', '']);
  const productRows = data.products.map((p) => {
    const category = slugOf.get(p.category);
    if (!category) throw new ConversionError(`seed 001 product ${p.sku}: unknown category "${p.category}"`);
    return [p.sku, p.name, p.description ?? '', amount(p.price, 2, `product ${p.sku} price`), category, p.image ?? '', 'true'];
  });
  const outOfStock = data.products.filter((p) => p.inStock === false).length;
  const dir = path.join(outDir, '001-shubh');
  writeCsv(path.join(dir, 'categories.csv'), ['slug', 'name', 'parent_slug', 'description'], categoryRows);
  writeCsv(path.join(dir, 'products.csv'), ['sku', 'name', 'description', 'price', 'category_slug', 'image_url', 'is_active'], productRows);
  return {
    key: '001-shubh',
    origin: 'seed 001 (Shubh-V14/ecommerce-order-system), products.json',
    supplier: { name: 'Shubh Store', slug: 'seed-001-shubh-store', currency: 'USD' },
    files: [
      { kind: 'categories', path: path.join(dir, 'categories.csv'), rows: categoryRows.length },
      { kind: 'products', path: path.join(dir, 'products.csv'), rows: productRows.length },
    ],
    notes: [`no stock figures in the seed (inStock is false for ${outOfStock} products): the products get no stock level`],
  };
}

/**
 * Converts every source found under `dataDir` into CSV files under `outDir`.
 * @returns the sources in import order (their supplier and files).
 * @throws Error naming the value that does not fit (the conversion never guesses).
 */
export function convertSeedData(dataDir: string, outDir: string): ConvertedSource[] {
  return [convertForsit(dataDir, outDir), convertMami(dataDir, outDir), convertShubh(dataDir, outDir)];
}

function main(argv: string[]): number {
  const outDir = argv[0];
  if (!outDir || argv.length > 1 || outDir.startsWith('-')) {
    console.error('Usage: tsx scripts/convert-seed-data.ts <out dir>   (reads SEED_DATA_DIR or ../shared/data)');
    return 1;
  }
  const dataDir = seedDataDir();
  try {
    const sources = convertSeedData(dataDir, path.resolve(outDir));
    for (const s of sources) {
      console.log(`${s.key}: ${s.origin} → "${s.supplier.name}" (${s.supplier.currency})`);
      for (const f of s.files) console.log(`  ${f.kind.padEnd(10)} ${String(f.rows).padStart(5)} rows  ${path.relative(process.cwd(), f.path)}`);
      for (const n of s.notes) console.log(`  note: ${n}`);
    }
    return 0;
  } catch (err) {
    console.error(`convert-seed-data: ${(err as Error).message} (data: ${dataDir})`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exit(main(process.argv.slice(2)));
}
