// The CMS (PKCS#7) signer handed to @signpdf/signpdf: the same detached SignedData that
// @signpdf/signer-p12 makes (content type, signing time and message digest as signed attributes,
// SHA-256, the certificate included), with two changes. The RSA operation is node:crypto's
// (native: ~5 ms where node-forge's JavaScript takes ~300 ms for a 3072-bit key), and the signer's
// issuer name is given as text, so a shop called "Peña Auto Body" gets a signature readers can
// match to its certificate (node-forge encodes a parsed UTF-8 name a second time otherwise, and
// the signature then names no certificate in the file). The PKCS#12 is opened once, not per seal.
import { createPrivateKey, privateEncrypt, constants, type KeyObject } from 'node:crypto';
import { Signer } from '@signpdf/signpdf';
import forge from 'node-forge';
import { SealingCertificateError, type SigningIdentity } from './certificates.js';

/** DER prefix of a SHA-256 DigestInfo (RFC 8017 §9.2, note 1). */
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

function decodedName(attrs: forge.pki.CertificateField[]): forge.pki.CertificateField[] {
  const utf8 = forge.asn1.Type.UTF8 as unknown as forge.asn1.Class;
  return attrs.map((a) => {
    if (a.valueTagClass !== utf8 || typeof a.value !== 'string') return a;
    try {
      return { ...a, value: forge.util.decodeUtf8(a.value) };
    } catch {
      return a;
    }
  });
}

export class NodeCmsSigner extends Signer {
  readonly #key: KeyObject;
  readonly #forgeKey: forge.pki.rsa.PrivateKey;
  readonly #certificate: forge.pki.Certificate;
  readonly #chain: forge.pki.Certificate[];

  constructor(identity: SigningIdentity) {
    super();
    let p12: forge.pkcs12.Pkcs12Pfx;
    try {
      p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(forge.util.createBuffer(identity.p12.toString('binary'))), false, identity.passphrase);
    } catch (err) {
      throw new SealingCertificateError(`The sealing certificate does not open: ${(err as Error).message}`);
    }
    const shrouded = forge.pki.oids.pkcs8ShroudedKeyBag!;
    const plain = forge.pki.oids.keyBag!;
    const certBag = forge.pki.oids.certBag!;
    const key = [...(p12.getBags({ bagType: shrouded })[shrouded] ?? []), ...(p12.getBags({ bagType: plain })[plain] ?? [])].find((b) => b.key)?.key as
      | forge.pki.rsa.PrivateKey
      | undefined;
    if (!key) throw new SealingCertificateError('The sealing certificate holds no private key.');
    this.#chain = (p12.getBags({ bagType: certBag })[certBag] ?? []).map((b) => b.cert).filter((c): c is forge.pki.Certificate => !!c);
    const own = this.#chain.find((c) => (c.publicKey as forge.pki.rsa.PublicKey).n.equals(key.n));
    if (!own) throw new SealingCertificateError('The sealing certificate holds no certificate for its private key.');
    this.#certificate = own;
    this.#forgeKey = key;
    this.#key = createPrivateKey(forge.pki.privateKeyToPem(key));
  }

  override async sign(pdfBuffer: Buffer, signingTime?: Date): Promise<Buffer> {
    const p7 = forge.pkcs7.createSignedData();
    p7.content = forge.util.createBuffer(pdfBuffer.toString('binary'));
    for (const cert of this.#chain) p7.addCertificate(cert);
    const nodeKey = this.#key;
    // forge calls key.sign(md) once with the digest of the signed attributes.
    const key = Object.assign(Object.create(this.#forgeKey) as forge.pki.rsa.PrivateKey, {
      sign(md: forge.md.MessageDigest): forge.Bytes {
        const digest = Buffer.from(md.digest().getBytes(), 'binary');
        return privateEncrypt({ key: nodeKey, padding: constants.RSA_PKCS1_PADDING }, Buffer.concat([SHA256_DIGEST_INFO, digest])).toString('binary');
      },
    });
    p7.addSigner({
      key,
      issuer: decodedName(this.#certificate.issuer.attributes),
      serialNumber: this.#certificate.serialNumber,
      digestAlgorithm: forge.pki.oids.sha256!,
      authenticatedAttributes: [
        { type: forge.pki.oids.contentType!, value: forge.pki.oids.data! },
        { type: forge.pki.oids.signingTime!, value: (signingTime ?? new Date()) as unknown as string },
        { type: forge.pki.oids.messageDigest! },
      ],
    } as unknown as Parameters<typeof p7.addSigner>[0]);
    p7.sign({ detached: true });
    return Buffer.from(forge.asn1.toDer(p7.toAsn1()).getBytes(), 'binary');
  }
}
