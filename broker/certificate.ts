import { existsSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';

/**
 * A self-signed certificate for the broker's TLS listener on a home network.
 * Clients either trust this certificate itself (it is its own CA) or skip
 * verification; anything public should use a certificate from a real CA.
 */

export interface CertificateOptions {
  /** Names and addresses clients will connect to; localhost and loopback are always added. */
  hosts?: readonly string[];
  /** Days the certificate stays valid. */
  days?: number;
}

export interface CertificateFiles {
  certFile: string;
  keyFile: string;
}

export const CERT_FILE_NAME = 'broker.crt';
export const KEY_FILE_NAME = 'broker.key';
// 825 days: the longest validity that Apple platforms still accept for a TLS server certificate.
const DEFAULT_DAYS = 825;

export class CertificateExistsError extends Error {
  constructor(readonly files: string[]) {
    super(`${files.join(' and ')} already ${files.length === 1 ? 'exists' : 'exist'}`);
  }
}

/** PEM certificate and private key. */
export async function makeSelfSignedCertificate(options: CertificateOptions = {}): Promise<{
  cert: string;
  key: string;
}> {
  const names = [...new Set(['localhost', '127.0.0.1', '::1', hostname(), ...(options.hosts ?? [])])];
  const commonName = options.hosts?.find((name) => isIP(name) === 0) ?? hostname();
  // An hour back, so that a client whose clock runs a little behind still accepts it.
  const notBeforeDate = new Date(Date.now() - 3_600_000);
  const notAfterDate = new Date(notBeforeDate.getTime() + (options.days ?? DEFAULT_DAYS) * 86_400_000);
  const pems = await generate([{ name: 'commonName', value: commonName }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      // Its own CA, so that a client can pin it as the CA file.
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        // type 7: an IP address, type 2: a DNS name
        altNames: names.map((name) =>
          isIP(name) ? { type: 7 as const, ip: name } : { type: 2 as const, value: name },
        ),
      },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

/**
 * Writes broker.crt and broker.key into `folder` (created if missing); the key
 * is readable by its owner only. Existing files are kept unless `overwrite`.
 */
export async function writeSelfSignedCertificate(
  folder: string,
  options: CertificateOptions & { overwrite?: boolean } = {},
): Promise<CertificateFiles> {
  const certFile = join(folder, CERT_FILE_NAME);
  const keyFile = join(folder, KEY_FILE_NAME);
  if (!options.overwrite) {
    const present = [certFile, keyFile].filter((file) => existsSync(file));
    if (present.length > 0) throw new CertificateExistsError(present);
  }
  const { cert, key } = await makeSelfSignedCertificate(options);
  await mkdir(folder, { recursive: true });
  await writeFile(keyFile, key, { mode: 0o600 });
  await chmod(keyFile, 0o600); // the mode above applies only to a new file
  await writeFile(certFile, cert);
  return { certFile, keyFile };
}
