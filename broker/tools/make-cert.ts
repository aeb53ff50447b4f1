import { parseArgs } from 'node:util';
import { CertificateExistsError, writeSelfSignedCertificate } from '../certificate.js';

/**
 * `npm run make-cert -- [folder] [--host NAME_OR_IP]... [--days N] [--force]`
 *
 * Writes a self-signed broker.crt and broker.key for the broker's TLS listener
 * into `folder` (default certs/, which git ignores). Name every host or LAN
 * address that clients will use with --host; localhost, 127.0.0.1, ::1 and
 * this machine's name are always included.
 */

const USAGE = 'usage: npm run make-cert -- [folder] [--host NAME_OR_IP]... [--days N] [--force]';

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        host: { type: 'string', multiple: true, default: [] },
        days: { type: 'string', default: '825' },
        force: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const days = Number(values.days);
  if (positionals.length > 1 || !Number.isInteger(days) || days < 1) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }

  const folder = positionals[0] ?? 'certs';
  try {
    const options = { hosts: values.host, days, overwrite: values.force };
    const files = await writeSelfSignedCertificate(folder, options);
    process.stdout.write(
      `Wrote ${files.certFile} and ${files.keyFile} (valid ${days} days).\n` +
        `Give clients ${files.certFile} as their CA file to verify the broker.\n`,
    );
    return 0;
  } catch (err) {
    const hint = err instanceof CertificateExistsError ? '; --force replaces them' : '';
    process.stderr.write(`make-cert: ${(err as Error).message}${hint}\n`);
    return 1;
  }
}

process.exitCode = await main();
