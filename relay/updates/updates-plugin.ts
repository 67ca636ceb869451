// GET /updates/win/latest.yml and /updates/win/<installer>: what installed desks ask for new
// versions (electron-updater's generic provider). Public, like any download page: an installer
// holds nothing of a shop's. Without a blob folder the relay has no installers to give.
import type { FastifyPluginAsync } from 'fastify';
import { type Blobs, BlobStore } from '../blobs/blob-store.js';
import { latestYml, RELEASES_SPACE } from './desk-release.js';

export const updatesPlugin: FastifyPluginAsync<{ blobDir?: string; blobStore?: Blobs }> = async (app, options) => {
  // The relay's own store (folder or bucket), so every relay process serves the same installers.
  const store = options.blobStore ?? (options.blobDir ? new BlobStore(options.blobDir) : null);

  app.get('/updates/win/latest.yml', async (_req, reply) => {
    const release = await app.storage.deskReleases.latest();
    if (!release) return reply.code(404).send({ error: 'no-release', message: 'No desk installer has been published on this relay yet.' });
    return reply.header('cache-control', 'no-cache').type('text/yaml; charset=utf-8').send(latestYml(release));
  });

  app.get<{ Params: { file: string } }>('/updates/win/:file', async (req, reply) => {
    const release = /^Bayline-Setup-[0-9A-Za-z.-]+\.exe$/.test(req.params.file) ? await app.storage.deskReleases.byFileName(req.params.file) : null;
    if (!release) return reply.code(404).send({ error: 'not-found', message: 'There is no such installer on this relay.' });
    const blob = store ? await store.open(RELEASES_SPACE, release.sha256) : null;
    if (!blob) {
      req.log.error({ version: release.version }, 'a published desk installer is missing from the blob store');
      return reply.code(503).send({ error: 'installer-missing', message: `The installer of version ${release.version} is missing on this relay; the operator must publish it again.` });
    }
    return reply
      .header('content-length', blob.sizeBytes)
      .header('cache-control', 'public, max-age=31536000, immutable')
      .type('application/octet-stream')
      .send(blob.stream);
  });
};
