// The Microsoft SDKs as the relay uses them: @azure/msal-node's ConfidentialClientApplication for
// sign-in (authorization code with PKCE) and for access tokens from the mailbox's refresh token, and
// @microsoft/microsoft-graph-client for Microsoft Graph. Both can be pointed elsewhere
// (MICROSOFT_AUTHORITY_URL, MICROSOFT_GRAPH_URL: the fake Microsoft in tests and the demo).
//
// MSAL only takes an https authority and, for a host it does not know, would fetch its OpenID
// metadata over https. For another authority the relay reads that metadata itself once (from
// `<authority>/<tenant>/v2.0/.well-known/openid-configuration`) and hands it to MSAL as
// `authorityMetadata`, with the host in `knownAuthorities`; MSAL then calls the endpoints the
// metadata names (the fake's are plain http on 127.0.0.1).
//
// The Graph client's own authentication step only adds the token for https Graph hosts, so the
// chain here is a small step that always adds the mailbox's token and a time limit, then the
// SDK's HTTP handler: no retries (an unknown send outcome is resolved by looking in Sent Items).
import { ConfidentialClientApplication, type Configuration, InteractionRequiredAuthError } from '@azure/msal-node';
import { Client, type Context, GraphError, HTTPMessageHandler, type Middleware } from '@microsoft/microsoft-graph-client';
import type { MicrosoftApp } from '../config.js';

export { OUTLOOK_CALLBACK_PATH, OUTLOOK_NOTIFY_PATH } from './paths.js';
const TIMEOUT_MS = 20_000;
const MICROSOFT_AUTHORITY = 'https://login.microsoftonline.com';
const MICROSOFT_GRAPH = 'https://graph.microsoft.com';

const metadataCache = new Map<string, Promise<string>>();

/** The OpenID metadata of a configured authority, read once per relay process. */
function authorityMetadata(app: MicrosoftApp): Promise<string> {
  const url = `${app.authorityUrl}/${app.tenant}/v2.0/.well-known/openid-configuration`;
  let found = metadataCache.get(url);
  if (!found) {
    found = (async () => {
      const res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
      if (!res.ok) throw new Error(`The Microsoft sign-in metadata at ${url} answered ${res.status}.`);
      return JSON.stringify(await res.json());
    })();
    found.catch(() => metadataCache.delete(url));
    metadataCache.set(url, found);
  }
  return found;
}

/** A fresh MSAL application (its own token cache) for the operator's app. */
export async function msalApp(app: MicrosoftApp): Promise<ConfidentialClientApplication> {
  const auth: Configuration['auth'] = { clientId: app.clientId, clientSecret: app.clientSecret, authority: `${MICROSOFT_AUTHORITY}/${app.tenant}` };
  if (app.authorityUrl) {
    const host = new URL(app.authorityUrl).host;
    auth.authority = `https://${host}/${app.tenant}`;
    auth.knownAuthorities = [host];
    auth.authorityMetadata = await authorityMetadata(app);
  }
  return new ConfidentialClientApplication({ auth });
}

/** The refresh token MSAL keeps in its cache after a sign-in or a refresh (the newest one). */
export function refreshTokenOf(cca: ConfidentialClientApplication): string | null {
  const cache = JSON.parse(cca.getTokenCache().serialize()) as { RefreshToken?: Record<string, { secret?: string }> };
  const tokens = Object.values(cache.RefreshToken ?? {});
  return tokens.at(-1)?.secret ?? null;
}

/** True when Microsoft no longer accepts the refresh token (revoked, expired, password changed, consent removed). */
export function isRevokedGrant(err: unknown): boolean {
  const e = err as { errorCode?: string; subError?: string; message?: string };
  return err instanceof InteractionRequiredAuthError || e?.errorCode === 'invalid_grant' || /invalid_grant/.test(e?.message ?? '');
}

/** The HTTP status of a Graph error, or null. */
export function graphStatus(err: unknown): number | null {
  if (err instanceof GraphError) return err.statusCode > 0 ? err.statusCode : null;
  const s = (err as { statusCode?: unknown })?.statusCode;
  return typeof s === 'number' && s > 0 ? s : null;
}

/** The Graph error code ("syncStateNotFound", "ErrorSendAsDenied"…), or null. */
export function graphCode(err: unknown): string | null {
  return err instanceof GraphError ? err.code : null;
}

/** A mailbox's access tokens: the current one (a new one when it lapses), or dropped when Graph refused it. */
export interface TokenSource {
  get(): Promise<string>;
  drop(): void;
}

/**
 * Adds the mailbox's access token and a time limit to each request. When Graph refuses the token
 * (401: revoked, or its session ended) the request is made once more with a new one — or the
 * refresh fails with invalid_grant, which the provider reports as access lost. A 401 means Graph
 * did nothing, so asking again cannot send anything twice.
 */
class MailboxToken implements Middleware {
  private next: Middleware | null = null;
  constructor(private readonly tokens: TokenSource) {}
  async execute(context: Context): Promise<void> {
    const options = (context.options ??= {});
    const send = async () => {
      // Immutable ids: a message keeps its id when it is moved between folders (no second row for it).
      options.headers = { Prefer: 'IdType="ImmutableId"', ...(options.headers as Record<string, string> | undefined), Authorization: `Bearer ${await this.tokens.get()}` };
      options.signal = AbortSignal.timeout(TIMEOUT_MS);
      await this.next!.execute(context);
    };
    await send();
    if (context.response?.status === 401) {
      this.tokens.drop();
      await send();
    }
  }
  setNext(next: Middleware): void {
    this.next = next;
  }
}

export function graphBase(app: MicrosoftApp): string {
  return app.graphUrl ?? MICROSOFT_GRAPH;
}

/** A Graph client acting with the given token source. */
export function graphClient(app: MicrosoftApp, tokens: TokenSource): Client {
  const auth = new MailboxToken(tokens);
  auth.setNext(new HTTPMessageHandler());
  return Client.initWithMiddleware({ middleware: auth, baseUrl: graphBase(app), defaultVersion: 'v1.0' });
}

/**
 * A link Graph gave back (a delta or next link) as a path the client takes: the SDK only strips
 * https hosts itself, so a link on the configured Graph root is cut to the part after the version.
 */
export function graphPath(app: MicrosoftApp, link: string): string {
  const root = `${graphBase(app)}/v1.0`;
  return link.startsWith(root) ? link.slice(root.length) : link;
}
