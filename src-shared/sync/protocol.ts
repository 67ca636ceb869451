// The sync protocol between a desk and the relay: one WebSocket per desk, JSON frames validated
// on both ends. The desk pushes what it made and acknowledges what it received; the relay
// streams the workspace's log after the desk's cursor, one page in flight at a time.
import { z } from 'zod';
import { NODE_ID_PATTERN } from './hlc.js';

/** Largest frame either side accepts; a bigger one closes the connection (ws code 1009). */
export const MAX_SYNC_FRAME_BYTES = 8 * 1024 * 1024;
/** Changes per frame, both directions (about 1.2 MB of JSON at most, far under the frame limit). */
export const SYNC_PAGE = 5000;

export const SYNC_PATH = '/sync';

/** Close codes the relay uses; the desk treats 4401 and 4403 as "stop retrying". */
export const CLOSE = {
  invalidFrame: 4400,
  unauthorized: 4401,
  revoked: 4403,
  protocol: 4409,
  shuttingDown: 1001,
} as const;

const cursor = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/**
 * The changes inside a frame are checked once, by the receiving store's `applyRemote`, which
 * refuses the whole batch before writing anything; checking them here as well doubled the cost.
 */
const changeList = z.array(z.unknown()).max(SYNC_PAGE);

/**
 * RO numbers at and above this are desks' reserve ranges (each desk its own million), never the
 * shop's sequence, which stays below it (`ro_number_start` is at most 999,999,999).
 */
export const RO_RESERVE_BASE = 1_000_000_000;
/** Blocks a desk may ask for at once. */
export const MAX_RO_BLOCKS_PER_REQUEST = 2;
const roNumber = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const roNumberRange = z
  .object({ first: roNumber, last: roNumber })
  .strict()
  .refine((r) => r.first <= r.last, 'a range ends at or after its start');
/** RO numbers from `first` to `last`, both included. */
export interface RoNumberRange {
  first: number;
  last: number;
}

/** RO numbers handed to one desk: in a `numbers` frame, and in the answer to its pairing. */
export const roNumberGrantSchema = z.object({ blocks: z.array(roNumberRange).max(MAX_RO_BLOCKS_PER_REQUEST), reserve: roNumberRange }).strict();

/** The most hashes one `blobs-wanted` (or `blobs-lacking`) frame carries; more go in several. */
export const MAX_BLOBS_WANTED = 1000;
const blobHash = z.string().regex(/^[0-9a-f]{64}$/);

/**
 * Desk frames added after the first protocol: a desk sends one only when the relay's welcome
 * lists it in `accepts` (desk frames are read strictly, so an older relay would close on it).
 */
export const OPTIONAL_DESK_FRAMES = ['blobs-lacking'] as const;
export type OptionalDeskFrame = (typeof OPTIONAL_DESK_FRAMES)[number];

export const deskFrameSchema = z.discriminatedUnion('t', [
  /** First frame: who is speaking and where its pull stopped. */
  z.object({ t: z.literal('hello'), node: z.string().regex(NODE_ID_PATTERN), cursor }).strict(),
  /** Changes this desk made, numbered so the relay's answer can be matched. */
  z.object({ t: z.literal('push'), id: z.number().int().min(0), changes: changeList }).strict(),
  /** Everything up to `cursor` of the relay's log is applied here. */
  z.object({ t: z.literal('ack'), cursor }).strict(),
  /** More RO numbers, please: `want` blocks, above `above` (the highest RO number this desk knows). */
  z
    .object({
      t: z.literal('numbers-request'),
      want: z.number().int().min(1).max(MAX_RO_BLOCKS_PER_REQUEST),
      above: roNumber,
      /** This desk holds no reserve range (first contact, or its database was restored): make it a new one. */
      reserve: z.literal(true).optional(),
    })
    .strict(),
  /**
   * Lost blobs the relay asked for (`blobs-wanted`) that this desk does not hold either: the relay
   * stops asking this desk for them. Sent only to a relay whose welcome lists it in `accepts`.
   */
  z.object({ t: z.literal('blobs-lacking'), hashes: z.array(blobHash).min(1).max(MAX_BLOBS_WANTED) }).strict(),
]);
export type DeskFrame = z.infer<typeof deskFrameSchema>;

export interface WelcomeFrame {
  t: 'welcome';
  workspace: { id: string; slug: string; name: string };
  relayNode: string;
  /** The relay's clock as it sent this (ms since 1970): the desk measures its own clock's offset. */
  time?: number;
  /** Optional desk frames this relay understands (`OPTIONAL_DESK_FRAMES`). */
  accepts?: string[];
}
export interface ChangesFrame {
  t: 'changes';
  changes: Array<{ table: string; row: string; column: string; value: string | number | null; stamp: string }>;
  /** The relay's log position after this page; the desk acknowledges it once applied. */
  cursor: number;
  /** More pages are waiting right now (the desk is catching up). */
  more: boolean;
}
export interface PushedFrame {
  t: 'pushed';
  id: number;
  logged: number;
  applied: number;
}
export interface ErrorFrame {
  t: 'error';
  code: string;
  message: string;
  /** The relay's clock as it sent this; set with code `clock-ahead` (the push was refused, the session stays open). */
  time?: number;
}
/** RO numbers for this desk alone: new blocks of the shop's sequence, and the desk's reserve range. */
export interface NumbersFrame {
  t: 'numbers';
  blocks: RoNumberRange[];
  reserve: RoNumberRange;
}
/**
 * The relay's store lost these blobs (of this desk's workspace): a desk that still has one
 * uploads it again. Desks that do not know this frame skip it.
 */
export interface BlobsWantedFrame {
  t: 'blobs-wanted';
  hashes: string[];
}
export type RelayFrame = WelcomeFrame | ChangesFrame | PushedFrame | ErrorFrame | NumbersFrame | BlobsWantedFrame;

/**
 * Frames from the relay are read leniently: fields a newer relay adds are dropped, not refused
 * (a relay is upgraded before the desks of its shops, and a desk must keep syncing with it), and a
 * frame type this desk does not know is skipped (`isKnownRelayFrame`). Desk frames stay strict.
 */
export const RELAY_FRAME_TYPES = ['welcome', 'changes', 'pushed', 'error', 'numbers', 'blobs-wanted'] as const;

export function isKnownRelayFrame(frame: unknown): boolean {
  const t = (frame as { t?: unknown } | null)?.t;
  return typeof t === 'string' && (RELAY_FRAME_TYPES as readonly string[]).includes(t);
}

export const relayFrameSchema = z.discriminatedUnion('t', [
  z
    .object({
      t: z.literal('welcome'),
      workspace: z.object({ id: z.string(), slug: z.string(), name: z.string() }),
      relayNode: z.string(),
      time: z.number().int().optional(),
      accepts: z.array(z.string().max(64)).max(32).optional(),
    }),
  z.object({ t: z.literal('changes'), changes: changeList, cursor, more: z.boolean() }),
  z.object({ t: z.literal('pushed'), id: z.number().int(), logged: z.number().int(), applied: z.number().int() }),
  z.object({ t: z.literal('error'), code: z.string().max(64), message: z.string().max(1000), time: z.number().int().optional() }),
  roNumberGrantSchema.extend({ t: z.literal('numbers') }),
  z.object({ t: z.literal('blobs-wanted'), hashes: z.array(blobHash).max(MAX_BLOBS_WANTED) }),
]);

/** The device credential a desk presents: `Authorization: Bearer <deviceId>.<secret>`. */
export function bearer(deviceId: string, secret: string): string {
  return `Bearer ${deviceId}.${secret}`;
}

export function parseBearer(header: string | undefined): { deviceId: string; secret: string } | null {
  const m = /^Bearer ([A-Za-z0-9_-]{8,64})\.([A-Za-z0-9_-]{20,128})$/.exec(header ?? '');
  return m ? { deviceId: m[1]!, secret: m[2]! } : null;
}
