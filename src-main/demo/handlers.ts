// The desk's side of the demo phone: where its page is, so the desk can offer a "Demo phone"
// link. `npm start` runs the page (relay/sms/demo-phone/) and names it in
// BAYLINE_DEMO_PHONE_URL for the desk it starts (in its own process or Electron's); any other
// way of running the desk has none, and the link is not shown.
import type { HandlerMap } from '../api/dispatch.js';

/** The page's address when it is a local one (the demo phone only ever listens on 127.0.0.1). */
export function demoPhoneUrl(env: NodeJS.ProcessEnv = process.env): string | null {
  const url = env.BAYLINE_DEMO_PHONE_URL;
  return url && /^http:\/\/127\.0\.0\.1:\d{1,5}\/phone$/.test(url) ? url : null;
}

export const demoHandlers: Partial<HandlerMap> = {
  'demo-phone-get': async () => ({ url: demoPhoneUrl() }),
};
