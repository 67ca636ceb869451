// The one place the UI gets its API from: `window.bayline`, with every failure turned into an
// ApiError in this world, whichever transport is behind it.
import type { BaylineApi } from '../../src-shared/api/contract.js';
import { ApiError, type ApiErrorBody } from '../../src-shared/api/errors.js';

/**
 * Electron's context bridge copies only the message of an Error thrown across it, so the preload
 * rejects with the plain error body instead; this puts the class (and `instanceof`) back.
 */
export function deskApi(source: BaylineApi = window.bayline): BaylineApi {
  return {
    call: (method, args) => source.call(method, args).catch((err: unknown) => Promise.reject(toApiError(err))),
    onEvent: (listener) => source.onEvent(listener),
    files: {
      upload: (file, mimeType) => source.files.upload(file, mimeType).catch((err: unknown) => Promise.reject(toApiError(err))),
      read: (hash) => source.files.read(hash).catch((err: unknown) => Promise.reject(toApiError(err))),
    },
  };
}

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (isErrorBody(err)) return ApiError.fromBody(err);
  const message = err instanceof Error ? err.message : String(err);
  return new ApiError('internal', message || 'Something went wrong inside Bayline.');
}

function isErrorBody(value: unknown): value is ApiErrorBody {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ApiErrorBody).code === 'string' &&
    typeof (value as ApiErrorBody).message === 'string'
  );
}
