// `npm run relay -- provider …`: the operator adds work providers (insurers, fleets), invites their
// people, sets a logo, unlocks a locked account. Invitations are mailed when BAYLINE_PROVIDER_SMTP_URL
// is set; otherwise the single-use link is printed here for the operator to pass on.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import type { RelayStorage } from '../storage/types.js';
import { normaliseEmail, ProviderAuth, ProviderAuthError, readProviderMailConfig } from './auth.js';
import { checkLogo, ProviderLogoError } from './logo.js';
import { ProviderRecordError } from './records.js';

interface Values {
  slug?: string;
  name?: string;
  email?: string;
  person?: string;
  admin?: boolean;
  file?: string;
  publicUrl: string;
}

export async function providerCommand(storage: RelayStorage, command: string, values: Values): Promise<number> {
  const auth = new ProviderAuth(storage, { mail: readProviderMailConfig(process.env) });
  const fail = (message: string) => {
    console.error(message);
    return 1;
  };
  const invite = async (providerSlug: string, role: 'admin' | 'member') => {
    const provider = await storage.providers.findProvider(providerSlug);
    if (!provider) return fail(`There is no work provider "${providerSlug}" (see: provider list).`);
    if (!values.email || !values.person) return fail('Say who: --email EMAIL --person "Full Name".');
    try {
      const sent = await auth.invite({ provider, email: values.email, name: values.person, role, invitedBy: 'the Bayline operator', publicUrl: values.publicUrl });
      console.log(sent.mailed ? `Invitation mailed to ${values.email.trim()} (${role}).` : `No BAYLINE_PROVIDER_SMTP_URL: give ${values.email.trim()} this link (single use, 72 hours):`);
      if (!sent.mailed) console.log(`  ${sent.link}`);
      return 0;
    } catch (err) {
      if (err instanceof ProviderAuthError) return fail(err.message);
      throw err;
    }
  };

  switch (command) {
    case 'provider add': {
      if (!values.slug || !values.name) return fail('A new work provider needs --slug SLUG and --name NAME.');
      if (!values.email || !values.person) return fail('Name its first administrator: --email EMAIL --person "Full Name".');
      if (!normaliseEmail(values.email)) return fail(`"${values.email}" is not an e-mail address.`);
      try {
        const provider = await storage.providers.createProvider({ id: randomUUID(), slug: values.slug, name: values.name, now: new Date().toISOString() });
        console.log(`Added work provider ${provider.name} (${provider.slug}), id ${provider.id}. Shops find it in Settings › Work providers.`);
      } catch (err) {
        if (err instanceof ProviderRecordError) return fail(err.message);
        throw err;
      }
      return invite(values.slug, 'admin');
    }
    case 'provider invite':
      if (!values.slug) return fail('Say which work provider with --slug SLUG.');
      return invite(values.slug, values.admin ? 'admin' : 'member');
    case 'provider logo': {
      if (!values.slug || !values.file) return fail('Say which provider and which file: --slug SLUG --file LOGO.png');
      const provider = await storage.providers.findProvider(values.slug);
      if (!provider) return fail(`There is no work provider "${values.slug}".`);
      if (!fs.existsSync(values.file)) return fail(`${values.file}: there is no such file.`);
      let logo: { type: string; data: string };
      try {
        logo = checkLogo(fs.readFileSync(values.file), values.file);
      } catch (err) {
        if (err instanceof ProviderLogoError) return fail(err.message);
        throw err;
      }
      await storage.providers.setLogo(provider.id, logo);
      console.log(`${provider.name}'s pages now show ${values.file}.`);
      return 0;
    }
    case 'provider list': {
      const all = await storage.providers.listProviders();
      if (all.length === 0) console.log('No work providers yet. Add one: npm run relay -- provider add --slug SLUG --name NAME --email EMAIL --person NAME');
      for (const p of all) {
        console.log(`${p.name} (${p.slug})  id ${p.id}`);
        for (const u of await storage.providers.listUsers(p.id)) {
          const state = u.removedAt ? 'removed' : u.lockedAt ? 'LOCKED' : u.totpConfirmedAt ? 'active' : 'invited';
          console.log(`    ${u.email}  ${u.name}  ${u.role}  ${state}`);
        }
      }
      return 0;
    }
    case 'provider unlock': {
      const user = values.email ? await storage.providers.findUserByEmail(normaliseEmail(values.email) ?? '') : null;
      if (!user) return fail('Say whose account with --email EMAIL (see: provider list).');
      await storage.providers.unlockUser(user.id);
      console.log(`${user.name} (${user.email}) can sign in again.`);
      return 0;
    }
  }
  return fail(`Unknown command "${command}".`);
}
