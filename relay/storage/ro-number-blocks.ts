// RO numbers for paired desks, over the operator database of either engine (the same Kysely
// queries on SQLite and PostgreSQL). The relay hands each desk the shop's numbers in blocks and
// records every block, so no number is given twice in a shop: a new block starts above every
// block handed out before, above the highest RO number in the shop's synced repair orders (a
// shop that numbered without the relay brings its numbers along), above the highest number the
// asking desk knows, and at or above the shop's starting number. Each desk also gets, once, a
// reserve range of its own far above the shop's sequence, which it numbers from only when it has
// used up its blocks while offline. Grants of one shop are serialised (a transaction on SQLite's
// single connection; an advisory lock on PostgreSQL, for several relay processes).
import { type Kysely, sql, type Transaction } from 'kysely';
import { SETTINGS_ID } from '../../src-shared/settings.js';
import type { WorkspaceStore } from '../../src-shared/sync/store.js';
import { RO_RESERVE_BASE, type RoNumberRange } from '../../src-shared/sync/protocol.js';

/** Numbers per block: a desk holds its current block and a spare, a good day's check-ins or more. */
export const RO_BLOCK_SIZE = 50;
/** Numbers in each desk's reserve range (the desk's lane above RO_RESERVE_BASE). */
export const RO_RESERVE_SIZE = 1_000_000;

export interface RoBlocksDatabase {
  ro_number_blocks: {
    workspace_id: string;
    first_number: number | string;
    last_number: number | string;
    kind: string;
    device_id: string;
    given_at: string;
  };
}

export interface RoNumberGrant {
  blocks: RoNumberRange[];
  reserve: RoNumberRange;
}

export interface RoBlockRecord extends RoNumberRange {
  kind: 'block' | 'reserve';
  deviceId: string;
  givenAt: string;
}

export class RoNumberBlocks {
  constructor(
    private readonly db: Kysely<RoBlocksDatabase>,
    /** Serialises grants of one workspace inside `trx` (PostgreSQL: an advisory lock; SQLite: nothing to do). */
    private readonly lock: (trx: Transaction<RoBlocksDatabase>, workspaceId: string) => Promise<void> = async () => undefined,
  ) {}

  /**
   * Hands `want` new blocks to a desk, with the desk's reserve range (made on its first grant, or
   * anew when asked: its newest is the one it numbers from).
   * `floor` is the lowest number the shop may use next (its starting number, past its highest RO).
   */
  async grant(input: {
    workspaceId: string;
    deviceId: string;
    want: number;
    floor: number;
    now: string;
    /** A new reserve range even if the desk has one (it lost track of it: its database was restored). */
    newReserve?: boolean;
  }): Promise<RoNumberGrant> {
    return this.db.transaction().execute(async (trx) => {
      await this.lock(trx, input.workspaceId);
      const ranges = trx.selectFrom('ro_number_blocks').where('workspace_id', '=', input.workspaceId);
      let reserve = input.newReserve
        ? undefined
        : await ranges
            .select(['first_number', 'last_number'])
            .where('kind', '=', 'reserve')
            .where('device_id', '=', input.deviceId)
            .orderBy('first_number', 'desc')
            .executeTakeFirst();
      if (!reserve) {
        const top = await ranges.select((eb) => eb.fn.max('first_number').as('n')).where('kind', '=', 'reserve').executeTakeFirst();
        const first = top?.n != null ? Number(top.n) + RO_RESERVE_SIZE : RO_RESERVE_BASE + 1;
        reserve = { first_number: first, last_number: first + RO_RESERVE_SIZE - 1 };
        await trx
          .insertInto('ro_number_blocks')
          .values({ workspace_id: input.workspaceId, ...reserve, kind: 'reserve', device_id: input.deviceId, given_at: input.now })
          .execute();
      }
      const highest = await ranges.select((eb) => eb.fn.max('last_number').as('n')).where('kind', '=', 'block').executeTakeFirst();
      let next = Math.max(highest?.n != null ? Number(highest.n) + 1 : 0, input.floor);
      const blocks: RoNumberRange[] = [];
      for (let i = 0; i < input.want; i++) {
        const block = { first: next, last: next + RO_BLOCK_SIZE - 1 };
        if (block.last >= RO_RESERVE_BASE) throw new Error('This shop has used every RO number below the desks\' reserve ranges.');
        await trx
          .insertInto('ro_number_blocks')
          .values({
            workspace_id: input.workspaceId,
            first_number: block.first,
            last_number: block.last,
            kind: 'block',
            device_id: input.deviceId,
            given_at: input.now,
          })
          .execute();
        blocks.push(block);
        next = block.last + 1;
      }
      return { blocks, reserve: { first: Number(reserve.first_number), last: Number(reserve.last_number) } };
    });
  }

  /** Every range handed out in a workspace, lowest first. */
  async list(workspaceId: string): Promise<RoBlockRecord[]> {
    const rows = await this.db.selectFrom('ro_number_blocks').selectAll().where('workspace_id', '=', workspaceId).orderBy('first_number').execute();
    return rows.map((r) => ({
      first: Number(r.first_number),
      last: Number(r.last_number),
      kind: r.kind as 'block' | 'reserve',
      deviceId: r.device_id,
      givenAt: r.given_at,
    }));
  }
}

/**
 * The lowest number the shop may hand out next, from its synced records: the starting number in
 * its settings, and one past its highest RO number in the shop's sequence (reserve numbers,
 * above RO_RESERVE_BASE, are not part of it), or past `above` (what the asking desk knows).
 */
export async function shopNumberFloor(store: WorkspaceStore, above: number): Promise<number> {
  const max = await store.db
    .selectFrom('repair_orders')
    .select((eb) => eb.fn.max('ro_number').as('n'))
    .where('ro_number', '<', RO_RESERVE_BASE)
    .executeTakeFirst();
  const settings = await store.db.selectFrom('workspace_settings').select('ro_number_start').where('id', '=', SETTINGS_ID).executeTakeFirst();
  const known = Math.max(Number(max?.n ?? 0), above < RO_RESERVE_BASE ? above : 0);
  return Math.max(known + 1, Number(settings?.ro_number_start ?? 1001));
}

/** A new desk's first two blocks and its reserve, handed out with its credential. */
export async function grantAtPairing(
  blocks: RoNumberBlocks,
  store: WorkspaceStore,
  input: { workspaceId: string; deviceId: string },
): Promise<RoNumberGrant> {
  const floor = await shopNumberFloor(store, 0);
  return blocks.grant({ ...input, want: 2, floor, now: new Date().toISOString() });
}

/** The PostgreSQL lock for `RoNumberBlocks`: one advisory lock per workspace, held to the end of the grant. */
export function postgresRoBlocksLock(key: (workspaceId: string) => string) {
  return async (trx: Transaction<RoBlocksDatabase>, workspaceId: string): Promise<void> => {
    await sql`SELECT pg_advisory_xact_lock(${key(workspaceId)}::bigint)`.execute(trx);
  };
}
