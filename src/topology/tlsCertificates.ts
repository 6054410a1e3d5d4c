import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ConnectionOptions } from 'node:tls';
import { firstLine, UserError } from '../errors.js';

const run = promisify(execFile);
const newEcKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export interface TlsFiles {
  ca: string;
  cert: string;
  key: string;
  /** Client certificate for mutual TLS (signed by the same CA). */
  clientCert: string;
  clientKey: string;
  mutual: boolean;
}

/**
 * A CA and certificates per topology, made with Debian's openssl (EC P-256, 2 days): a server
 * certificate for 127.0.0.1 used by every node and sentinel, and a client certificate for
 * mutual TLS. Nothing is reused between topologies.
 */
export async function generateTlsFiles(dir: string, mutual: boolean): Promise<TlsFiles> {
  const f = (n: string): string => join(dir, n);
  try {
    await run('openssl', ['req', '-x509', '-new', ...newEcKey, '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '2', '-subj', '/CN=gauntlet test CA']);
    for (const who of ['server', 'client']) await issueCertificate(dir, f('ca.crt'), f('ca.key'), who);
  } catch (e) {
    throw new UserError(`could not create TLS certificates with openssl (install Debian's openssl): ${firstLine(e)}`);
  }
  return { ca: f('ca.crt'), cert: f('server.crt'), key: f('server.key'), clientCert: f('client.crt'), clientKey: f('client.key'), mutual };
}

/** A certificate for 127.0.0.1/localhost signed by the topology's CA: `<dir>/<who>.crt` and `.key`. */
export async function issueCertificate(dir: string, caCert: string, caKey: string, who: string): Promise<{ cert: string; key: string }> {
  const f = (n: string): string => join(dir, n);
  await writeFile(f('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  await run('openssl', ['req', '-new', ...newEcKey, '-keyout', f(`${who}.key`), '-out', f(`${who}.csr`), '-subj', `/CN=gauntlet ${who}`]);
  await run('openssl', ['x509', '-req', '-in', f(`${who}.csr`), '-CA', caCert, '-CAkey', caKey, '-CAcreateserial', '-out', f(`${who}.crt`), '-days', '2', '-extfile', f('san.ext')]);
  return { cert: f(`${who}.crt`), key: f(`${who}.key`) };
}

/** Node TLS options for a client of the topology (the client certificate is always presented; required only with mutual TLS). */
export function clientTlsOptions(files: TlsFiles): ConnectionOptions {
  return { ca: readFileSync(files.ca), cert: readFileSync(files.clientCert), key: readFileSync(files.clientKey) };
}
