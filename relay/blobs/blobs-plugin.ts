// PUT, GET and HEAD /blobs/:hash: a paired desk moves photos and PDFs, named by their SHA-256,
// to and from its own workspace on the relay. Bodies stream straight to and from disk, so a
// 25 MiB photo never sits whole in memory, and every upload is checked against its name.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { authenticateDevice } from '../pairing.js';
import { BlobError, type Blobs, BlobStore, formatBytes, isBlobHash } from './blob-store.js';
import { BLOB_MIME_TYPES, MAX_BLOB_BYTES } from '../../src-shared/blob-types.js';

export const DEFAULT_MAX_BLOB_BYTES = MAX_BLOB_BYTES;

export const BLOB_PATH = '/blobs/:hash';

export interface BlobsPluginOptions {
  /** The folder holding the blob files (SQLite storage: `<data>/blobs`). */
  blobDir: string;
  /** The store itself when it is not that folder (a bucket). */
  blobStore?: Blobs;
  /** Largest blob accepted, in bytes (default 25 MiB). */
  maxBytes?: number;
}

interface BlobParams {
  hash: string;
}

type BlobRequest = FastifyRequest<{ Params: BlobParams }>;

export const blobsPlugin: FastifyPluginAsync<BlobsPluginOptions> = async (app, options) => {
  const store: Blobs = options.blobStore ?? new BlobStore(options.blobDir);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BLOB_BYTES;
  await store.sweepIncoming().catch((err: unknown) => app.log.warn({ err: (err as Error).message }, 'could not sweep old blob uploads'));

  // Only inside this plugin: every request body reaches the handler as the raw stream, unread,
  // so nothing (not even JSON) is buffered and the size limit is ours to enforce while streaming.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));

  /** Refuses before the body is read; the connection closes so an unread body is not drained through it. */
  function refuse(req: FastifyRequest, reply: FastifyReply, status: number, error: string, message: string) {
    if (req.method === 'PUT') reply.header('connection', 'close');
    return reply.code(status).send({ error, message });
  }

  // Credential first, for every route of this plugin, before any body is looked at.
  app.addHook('onRequest', async (req, reply) => {
    const auth = await authenticateDevice(app.storage, req.headers.authorization);
    if ('error' in auth) {
      req.log.warn({ reason: auth.error }, 'blob request refused');
      return auth.error === 'revoked'
        ? refuse(req, reply, 403, 'revoked', 'This desk was disconnected from the shop by the operator. Pair it again.')
        : refuse(req, reply, 401, 'unauthorized', 'The relay does not know this desk. Pair it again.');
    }
    req.desk = auth;
    const { hash } = req.params as BlobParams;
    if (!isBlobHash(hash)) {
      return refuse(req, reply, 400, 'invalid-hash', 'A blob is named by its SHA-256: 64 lower-case hex digits.');
    }
  });

  app.put<{ Params: BlobParams }>(BLOB_PATH, async (req, reply) => {
    const workspace = req.desk!.workspace;
    const { hash } = req.params;
    const mimeType = mediaType(req.headers['content-type']);
    if (!mimeType || !BLOB_MIME_TYPES.includes(mimeType)) {
      return refuse(req, reply, 415, 'unsupported-type', `Only photos (JPEG, PNG, WebP, HEIC) and PDFs can be stored, not ${mimeType ?? 'an unnamed type'}.`);
    }
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > maxBytes) {
      return refuse(req, reply, 413, 'too-large', `The file is larger than ${formatBytes(maxBytes)}, the most this relay accepts.`);
    }
    const had = await app.storage.findBlob(workspace.id, hash);
    let put;
    try {
      put = await store.put(workspace.id, hash, req.raw, maxBytes);
    } catch (err) {
      return answerPutFailure(req, reply, err);
    }
    await app.storage.recordBlob({
      workspaceId: workspace.id,
      hash,
      sizeBytes: put.sizeBytes,
      mimeType,
      createdAt: new Date().toISOString(),
    });
    const created = put.created || !had;
    req.log.info({ workspace: workspace.slug, hash, sizeBytes: put.sizeBytes, created }, 'blob stored');
    // Open portal pages leave out photos whose file is not here yet; now it is, they may show it.
    if (created) await app.storage.announceChanges(workspace.id);
    return reply.code(created ? 201 : 200).send({ hash, sizeBytes: put.sizeBytes, mimeType: had?.mimeType ?? mimeType });
  });

  // HEAD has its own route so that asking "do you have it?" never opens the file.
  app.head<{ Params: BlobParams }>(BLOB_PATH, async (req, reply) => {
    const record = await ownRecord(req);
    if (!record || !(await store.has(record.workspaceId, record.hash))) {
      if (record) missingFile(req, record.hash);
      return reply.code(404).send();
    }
    blobHeaders(reply, record.mimeType, record.sizeBytes);
    return reply.code(200).send();
  });

  app.get<{ Params: BlobParams }>(BLOB_PATH, { exposeHeadRoute: false }, async (req, reply) => {
    const record = await ownRecord(req);
    const file = record ? await store.open(record.workspaceId, record.hash) : null;
    if (!record || !file) {
      if (record) missingFile(req, record.hash);
      return reply.code(404).send({ error: 'not-found', message: 'This workspace has no such file on the relay.' });
    }
    blobHeaders(reply, record.mimeType, file.sizeBytes);
    return reply.code(200).send(file.stream);
  });

  /**
   * The blob as this device's workspace recorded it. Bytes another workspace uploaded are
   * invisible here, even though a hash is no secret.
   */
  function ownRecord(req: BlobRequest) {
    return app.storage.findBlob(req.desk!.workspace.id, req.params.hash);
  }

  function missingFile(req: BlobRequest, hash: string): void {
    // Recorded but gone from disk (a lost volume, say): answering 404 lets the desk upload it again.
    req.log.error({ workspace: req.desk!.workspace.slug, hash }, 'blob recorded but its file is missing');
  }
};

function blobHeaders(reply: FastifyReply, mimeType: string, sizeBytes: number): void {
  reply
    .header('content-type', mimeType)
    .header('content-length', String(sizeBytes))
    // The name is the content's hash, so a cached copy can never go stale; private: it is a shop's photo.
    .header('cache-control', 'private, max-age=31536000, immutable')
    .header('x-content-type-options', 'nosniff');
}

function answerPutFailure(req: BlobRequest, reply: FastifyReply, err: unknown) {
  if (!(err instanceof BlobError)) throw err;
  const raw: IncomingMessage = req.raw;
  switch (err.code) {
    case 'too-large':
      // The rest of the body is not wanted. Reading it away until the socket closes keeps the
      // kernel from resetting the connection before the sender has read this answer.
      raw.resume();
      req.log.warn({ hash: req.params.hash }, 'blob upload over the size limit');
      return reply.header('connection', 'close').code(413).send({ error: 'too-large', message: err.message });
    case 'hash-mismatch':
      req.log.warn({ hash: req.params.hash }, 'blob upload did not match its hash');
      return reply.code(422).send({ error: 'hash-mismatch', message: err.message });
    case 'invalid-hash':
      return reply.code(400).send({ error: 'invalid-hash', message: err.message });
    case 'aborted':
      // The sender is gone; there is nobody to answer.
      req.log.info({ hash: req.params.hash }, 'blob upload broke off');
      return reply.code(400).send({ error: 'aborted', message: err.message });
  }
}

/** `image/jpeg; charset=…` → `image/jpeg`; null when there is no usable header. */
function mediaType(header: string | undefined): string | null {
  const type = header?.split(';')[0]?.trim().toLowerCase();
  return type ? type : null;
}
