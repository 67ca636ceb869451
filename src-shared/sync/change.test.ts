import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { changeSchema, isPlainValidChange, MAX_CELL_TEXT } from './change.js';
import { SYNCED_TABLES } from './tables.js';

// The store's quick check of incoming changes must agree with the zod schema on every plain
// object: a change zod refuses must never slip through the quick path, and a valid one must not
// fall to zod's slower path.
const columnsByType = (type: string) =>
  Object.entries(SYNCED_TABLES).flatMap(([table, t]) =>
    Object.entries(t.columns as Record<string, string>)
      .filter(([, ty]) => ty === type)
      .map(([column]) => ({ table, column })),
  );
const cells = [...columnsByType('text'), ...columnsByType('integer'), ...columnsByType('real')];

const stamp = fc.oneof(
  fc
    .tuple(fc.integer({ min: 0, max: 999_999_999_999_999 }), fc.integer({ min: 0, max: 0xffff }), fc.stringMatching(/^[0-9a-f]{16}$/))
    .map(([ms, counter, node]) => `${String(ms).padStart(15, '0')}-${counter.toString(16).padStart(4, '0')}-${node}`),
  fc.constantFrom('', '000001700000000-0000-00000000000000aa', '000001700000000-0000-00000000000000AA', '1700000000000-0000-00000000000000aa', '000001700000000-0000-00000000000000aa\n'),
  fc.string(),
);
const value = fc.oneof(
  fc.string(),
  fc.constantFrom('', 'a\u0000b', 'x'.repeat(MAX_CELL_TEXT), 'x'.repeat(MAX_CELL_TEXT + 1)),
  fc.integer(),
  fc.double(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1, 1.5, -0, NaN, Infinity),
  fc.constant(null),
  fc.constant(undefined),
  fc.boolean(),
  fc.array(fc.integer(), { maxLength: 2 }),
);
const row = fc.oneof(fc.uuid(), fc.string({ maxLength: 130 }), fc.constantFrom('', 'r\u0000', 'r'.repeat(128), 'r'.repeat(129)));
const cell = fc.oneof(
  fc.constantFrom(...cells),
  fc.record({ table: fc.constantFrom(...Object.keys(SYNCED_TABLES), 'no_such_table', 'x'.repeat(65)), column: fc.string({ maxLength: 70 }) }),
);
const change = fc
  .tuple(cell, row, value, stamp, fc.constantFrom('none', 'extra', 'missing-value', 'missing-row', 'number-table'))
  .map(([{ table, column }, r, v, s, twist]) => {
    const c: Record<string, unknown> = { table, row: r, column, value: v, stamp: s };
    if (twist === 'extra') c['node'] = 'aa';
    if (twist === 'missing-value') delete c['value'];
    if (twist === 'missing-row') delete c['row'];
    if (twist === 'number-table') c['table'] = 7;
    return c;
  });

describe('incoming change check', () => {
  it('accepts exactly what the schema accepts, for any plain object', () => {
    fc.assert(
      fc.property(change, (c) => {
        expect(isPlainValidChange(c)).toBe(changeSchema.safeParse(c).success);
      }),
      { numRuns: 5000 },
    );
  });

  it('accepts ordinary changes of every column type, and leaves anything not a plain object to the schema', () => {
    const [text, integer] = [columnsByType('text')[0]!, columnsByType('integer')[0]!];
    const real = columnsByType('real')[0]; // no synced column holds reals yet
    const s = '000001700000000-0000-00000000000000aa';
    expect(isPlainValidChange({ ...text, row: 'r1', value: 'Bumper', stamp: s })).toBe(true);
    expect(isPlainValidChange({ ...integer, row: 'r1', value: 42, stamp: s })).toBe(true);
    if (real) expect(isPlainValidChange({ ...real, row: 'r1', value: 4.5, stamp: s })).toBe(true);
    expect(isPlainValidChange({ ...integer, row: 'r1', value: 4.5, stamp: s })).toBe(false);
    expect(isPlainValidChange({ ...text, row: 'r1', value: 3, stamp: s })).toBe(false);
    const withPrototype = Object.assign(Object.create({ inherited: 1 }) as object, { ...text, row: 'r1', value: 'x', stamp: s });
    expect(isPlainValidChange(withPrototype)).toBe(false);
    expect(isPlainValidChange(null)).toBe(false);
    expect(isPlainValidChange([text.table, 'r1', text.column, 'x', s])).toBe(false);
  });
});
