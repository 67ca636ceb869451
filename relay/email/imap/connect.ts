// Connecting a plain IMAP/SMTP mailbox: an owner or manager at a paired desk sends the server
// settings; the relay logs in to IMAP and to SMTP first and says plainly which one failed and
// why, and only once both took the password is the mailbox saved (sealed) and shown as
// "Connected as …". A refused or unreachable server saves nothing.
import type { MailService } from '../mail-service.js';
import { checkImapSettings, parseImapSettings, type Timeouts } from './settings.js';

export async function connectImapMailbox(
  service: MailService,
  input: { workspaceId: string; staffId: string; body: unknown; timeouts?: Timeouts },
): Promise<{ address: string; mailboxId: string }> {
  const provider = service.provider('imap');
  await service.checkAdmin(input.workspaceId, input.staffId);
  const settings = parseImapSettings(input.body);
  await checkImapSettings(settings, input.timeouts);
  const { address, mailboxId } = await service.saveConnected({ provider, workspaceId: input.workspaceId, staffId: input.staffId, address: settings.address, secret: JSON.stringify(settings) });
  return { address, mailboxId };
}
