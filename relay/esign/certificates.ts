// The certificate that seals a shop's signed documents (issue 16). Each shop gets its own, made on
// its first sealed document: an RSA 3072 key from node:crypto (native, off the event loop) and a
// self-signed X.509 certificate built with node-forge (subject CN and O = the shop's name, key usage
// digitalSignature + nonRepudiation, ten years), packed as a PKCS#12 file under a random
// passphrase. The PKCS#12 and its passphrase are each sealed with the relay operator's key
// (AES-256-GCM, the mailbox-token vault of relay/email/token-vault.ts, bound to the shop) before
// they reach the operator database (relay/storage/esign-key-records.ts); the key never leaves the
// relay. Or the operator gives one PKCS#12 for every shop (relay/esign/config.ts), e.g. from a CA
// whose root PDF readers already trust.
import { createHash, generateKeyPair, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import forge from 'node-forge';
import type { TokenVault } from '../email/token-vault.js';
import type { EsignKeyRecord, EsignKeyRecords } from '../storage/esign-key-records.js';

export const CERTIFICATE_YEARS = 10;
const KEY_BITS = 3072;

export class SealingCertificateError extends Error {}

/** What signs: a PKCS#12 file and its passphrase, with the public facts shown on the certificate page. */
export interface SigningIdentity {
  readonly p12: Buffer;
  readonly passphrase: string;
  readonly certificatePem: string;
  readonly fingerprintSha256: string;
  readonly subject: string;
  readonly notAfter: string;
  /** 'workspace': the shop's own certificate made by this relay; 'operator': the operator's PKCS#12. */
  readonly source: 'workspace' | 'operator';
}

function hideSecrets<T extends object>(identity: T): T {
  Object.defineProperty(identity, 'toJSON', { value: () => '[signing identity]', enumerable: false });
  Object.defineProperty(identity, inspect.custom, { value: () => '[signing identity]', enumerable: false });
  return identity;
}

/** A parsed certificate's subject as text; its UTF-8 values arrive as byte strings. */
const subjectText = (attrs: forge.pki.CertificateField[]) =>
  attrs
    .map((a) => {
      let value = typeof a.value === 'string' ? a.value : '';
      try {
        value = forge.util.decodeUtf8(value);
      } catch {
        // a PrintableString, already text
      }
      return `${a.shortName ?? a.name}=${value}`;
    })
    .join(', ');

const fingerprintOf = (cert: forge.pki.Certificate) =>
  createHash('sha256').update(Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary')).digest('hex');

/** A new self-signed certificate for `shopName` as a PKCS#12 file under a fresh passphrase. */
export async function makeShopCertificate(shopName: string, now = new Date()): Promise<Omit<SigningIdentity, 'source'>> {
  const name = shopName.trim();
  if (name === '') throw new SealingCertificateError('A sealing certificate needs the shop\'s name.');
  const pair = await new Promise<{ publicKey: string; privateKey: string }>((resolve, reject) =>
    generateKeyPair(
      'rsa',
      { modulusLength: KEY_BITS, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs1', format: 'pem' } },
      (err, publicKey, privateKey) => (err ? reject(err) : resolve({ publicKey, privateKey })),
    ),
  );
  const key = forge.pki.privateKeyFromPem(pair.privateKey);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(pair.publicKey);
  // Positive (high bit clear), 16 bytes, random: no two certificates share a serial.
  cert.serialNumber = `0${randomBytes(16).toString('hex').slice(1)}`;
  cert.validity.notBefore = new Date(now.getTime() - 60 * 60 * 1000);
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + CERTIFICATE_YEARS);
  cert.validity.notAfter = notAfter;
  // UTF-8 attributes (forge encodes them): "Peña Auto Body" and "Nguyễn Collision" are written as they are.
  const utf8 = forge.asn1.Type.UTF8 as unknown as forge.asn1.Class;
  const attrs: forge.pki.CertificateField[] = [
    { name: 'commonName', value: name.slice(0, 64), valueTagClass: utf8 },
    { name: 'organizationName', value: name.slice(0, 64), valueTagClass: utf8 },
    { shortName: 'OU', value: 'Electronic signatures', valueTagClass: utf8 },
  ];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, nonRepudiation: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(key, forge.md.sha256.create());
  const passphrase = randomBytes(24).toString('base64url');
  const p12Asn1 = forge.pkcs12.toPkcs12Asn1(key, [cert], passphrase, { algorithm: 'aes256', friendlyName: name.slice(0, 64), generateLocalKeyId: true });
  return {
    p12: Buffer.from(forge.asn1.toDer(p12Asn1).getBytes(), 'binary'),
    passphrase,
    certificatePem: forge.pki.certificateToPem(cert),
    fingerprintSha256: fingerprintOf(cert),
    subject: `CN=${name.slice(0, 64)}, O=${name.slice(0, 64)}, OU=Electronic signatures`,
    notAfter: notAfter.toISOString(),
  };
}

/** Reads a PKCS#12 (the operator's): it must open with `passphrase` and hold a key and its certificate. */
export function readPkcs12(p12: Buffer, passphrase: string, what: string): Omit<SigningIdentity, 'source'> {
  let parsed: forge.pkcs12.Pkcs12Pfx;
  try {
    parsed = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(forge.util.createBuffer(p12.toString('binary'))), false, passphrase);
  } catch (err) {
    const message = (err as Error).message;
    if (/password|mac|decrypt|invalid/i.test(message)) throw new SealingCertificateError(`${what} does not open with the given passphrase (or is not a PKCS#12 file).`);
    throw new SealingCertificateError(`${what} is not a PKCS#12 (.p12/.pfx) file this relay can read: ${message}`);
  }
  const keyBags = [
    ...(parsed.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag! })[forge.pki.oids.pkcs8ShroudedKeyBag!] ?? []),
    ...(parsed.getBags({ bagType: forge.pki.oids.keyBag! })[forge.pki.oids.keyBag!] ?? []),
  ];
  const certBags = parsed.getBags({ bagType: forge.pki.oids.certBag! })[forge.pki.oids.certBag!] ?? [];
  const key = keyBags.find((b) => b.key)?.key as forge.pki.rsa.PrivateKey | undefined;
  if (!key) throw new SealingCertificateError(`${what} holds no private key: export it with its key (openssl pkcs12 -export -inkey …).`);
  // The certificate of that key (a file may carry its CA chain too).
  const cert = certBags
    .map((b) => b.cert)
    .find((c): c is forge.pki.Certificate => !!c && (c.publicKey as forge.pki.rsa.PublicKey).n?.equals(key.n) === true);
  if (!cert) throw new SealingCertificateError(`${what} holds no certificate for its private key.`);
  if (cert.validity.notAfter.getTime() < Date.now()) {
    throw new SealingCertificateError(`${what}: its certificate expired on ${cert.validity.notAfter.toISOString().slice(0, 10)}; documents sealed with it would not validate.`);
  }
  return {
    p12: Buffer.from(p12),
    passphrase,
    certificatePem: forge.pki.certificateToPem(cert),
    fingerprintSha256: fingerprintOf(cert),
    subject: subjectText(cert.subject.attributes),
    notAfter: cert.validity.notAfter.toISOString(),
  };
}

/**
 * Each shop's signing identity: the operator's when it gave one, else the shop's own, read from the
 * operator database (opened with the relay's key) or made on first use. Kept in memory once opened.
 */
export class SealingCertificates {
  readonly #records: EsignKeyRecords;
  readonly #vault: TokenVault | null;
  readonly #operator: SigningIdentity | null;
  readonly #open = new Map<string, Promise<SigningIdentity>>();

  constructor(options: { records: EsignKeyRecords; vault: TokenVault | null; operator: SigningIdentity | null }) {
    this.#records = options.records;
    this.#vault = options.vault;
    this.#operator = options.operator;
    if (!this.#vault && !this.#operator) throw new SealingCertificateError('Sealing needs the relay\'s key (BAYLINE_ESIGN_KEY) or the operator\'s certificate (BAYLINE_ESIGN_P12).');
  }

  forWorkspace(workspaceId: string, shopName: string): Promise<SigningIdentity> {
    if (this.#operator) return Promise.resolve(this.#operator);
    let identity = this.#open.get(workspaceId);
    if (!identity) {
      identity = this.#load(workspaceId, shopName);
      this.#open.set(workspaceId, identity);
      identity.catch(() => this.#open.delete(workspaceId));
    }
    return identity;
  }

  async #load(workspaceId: string, shopName: string): Promise<SigningIdentity> {
    const vault = this.#vault!;
    let record = await this.#records.find(workspaceId);
    if (!record) {
      const made = await makeShopCertificate(shopName);
      const candidate: EsignKeyRecord = {
        workspaceId,
        sealedP12: vault.seal(made.p12.toString('base64'), `esign-p12:${workspaceId}`),
        sealedPassphrase: vault.seal(made.passphrase, `esign-passphrase:${workspaceId}`),
        certificatePem: made.certificatePem,
        fingerprintSha256: made.fingerprintSha256,
        subject: made.subject,
        notAfter: made.notAfter,
        createdAt: new Date().toISOString(),
      };
      // Another relay process may have made one meanwhile: the first stored wins, ours is dropped.
      record = await this.#records.insertOrRead(candidate);
    }
    let p12: Buffer;
    let passphrase: string;
    try {
      p12 = Buffer.from(vault.open(record.sealedP12, `esign-p12:${workspaceId}`), 'base64');
      passphrase = vault.open(record.sealedPassphrase, `esign-passphrase:${workspaceId}`);
    } catch {
      throw new SealingCertificateError(
        `The sealing certificate of workspace ${workspaceId} does not open with this relay's key (BAYLINE_ESIGN_KEY changed, or the record was altered); nothing was signed.`,
      );
    }
    return hideSecrets({
      p12,
      passphrase,
      certificatePem: record.certificatePem,
      fingerprintSha256: record.fingerprintSha256,
      subject: record.subject,
      notAfter: record.notAfter,
      source: 'workspace' as const,
    });
  }
}

/** The operator's PKCS#12 as the identity of every shop. */
export function operatorIdentity(p12: Buffer, passphrase: string, what = 'The operator\'s sealing certificate'): SigningIdentity {
  return hideSecrets({ ...readPkcs12(p12, passphrase, what), source: 'operator' as const });
}
