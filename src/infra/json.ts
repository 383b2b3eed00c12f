/**
 * Limits on free-form JSON that Agora stores in `jsonb` columns (product attributes), shared by the
 * HTTP API and the CSV import so both refuse the same values the same way.
 */

/** How deep a stored JSON object may nest (the object itself is level 1). */
export const MAX_JSON_DEPTH = 20;
/** The largest stored JSON value, in bytes of its UTF-8 serialisation. */
export const MAX_JSON_BYTES = 16 * 1024;

const unstorableText = (s: string) => s.includes('\u0000') || !(s as string & { isWellFormed(): boolean }).isWellFormed();

/**
 * Why `value` cannot be stored as free-form JSON, or null when it can: nesting deeper than
 * `MAX_JSON_DEPTH` levels, a string or key holding U+0000 or an unpaired surrogate (PostgreSQL's
 * jsonb refuses both), or a serialisation over `MAX_JSON_BYTES`. Walks the value without recursion,
 * so a hostile depth cannot overflow the stack, and checks the depth before serialising.
 * @returns a message that completes "attributes …", e.g. "nests deeper than 20 levels".
 */
export function jsonStorageProblem(value: unknown): string | null {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v === 'string') {
      if (unstorableText(v)) return 'holds a \\u0000 or an unpaired surrogate, which cannot be stored';
    } else if (v !== null && typeof v === 'object') {
      if (depth > MAX_JSON_DEPTH) return `nests deeper than ${MAX_JSON_DEPTH} levels`;
      for (const [k, item] of Object.entries(v)) {
        if (unstorableText(k)) return 'holds a \\u0000 or an unpaired surrogate, which cannot be stored';
        stack.push([item, depth + 1]);
      }
    }
  }
  if (Buffer.byteLength(JSON.stringify(value), 'utf8') > MAX_JSON_BYTES) return `is larger than ${MAX_JSON_BYTES / 1024} KiB`;
  return null;
}
