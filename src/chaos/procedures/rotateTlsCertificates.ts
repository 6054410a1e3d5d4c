import { X509Certificate } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { connect } from 'node:tls';
import { stopProcess } from '../../topology/processControl.js';
import type { StartedTopology } from '../../topology/startedTopology.js';
import { issueCertificate } from '../../topology/tlsCertificates.js';
import { defineFault, type Fault, type FaultCheck, type FaultContext } from '../faults/fault.js';
import { waitUntil } from '../../waitUntil.js';

/** The SHA-256 fingerprint of the certificate a server presents on a fresh TLS connection. */
export function presentedFingerprint(port: number, ca: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      const fp = socket.getPeerCertificate().fingerprint256;
      socket.destroy();
      resolve(fp);
    });
    socket.setTimeout(3000, () => socket.destroy(new Error('TLS handshake timed out')));
    socket.on('error', reject);
  });
}

/**
 * Rotating TLS certificates without downtime (docs/runbook.md): a new server certificate from
 * the same CA; nodes load it live (CONFIG SET tls-cert-file tls-key-file, then CONFIG REWRITE so
 * a restart keeps it); sentinels have no CONFIG command, so each is stopped, its config edited
 * and restarted, one at a time, waiting for it to rejoin before the next. Established
 * connections keep their session; every new handshake must present the new certificate.
 */
export class RotateTlsCertificates implements Fault {
  readonly kind = 'rotate-tls-certificates';
  private fingerprint: string | null = null;
  describe(): string {
    return 'issue a new server certificate from the same CA; reload it live on nodes, restart sentinels one at a time';
  }
  precondition(t: StartedTopology): string | null {
    return t.snapshot.tls ? null : 'rotate-tls-certificates needs a TLS topology (`--tls`, or `gauntlet up --tls` for a detached one)';
  }
  async inject(t: StartedTopology, strike: () => void, ctx: FaultContext): Promise<string> {
    const tls = t.snapshot.tls;
    if (!tls) throw new Error('the topology does not run TLS');
    const dir = join(ctx.workDir, 'tls');
    await mkdir(dir, { recursive: true });
    const next = await issueCertificate(dir, tls.ca, join(dirname(tls.ca), 'ca.key'), 'server');
    this.fingerprint = new X509Certificate(await readFile(next.cert)).fingerprint256;
    strike();
    for (const n of t.nodes.filter((x) => x.isRunning())) {
      await n.control().call('CONFIG', 'SET', 'tls-cert-file', next.cert, 'tls-key-file', next.key);
      await n.control().call('CONFIG', 'REWRITE');
    }
    const rejoined: string[] = [];
    for (const s of t.sentinels.filter((x) => x.isRunning())) {
      await stopProcess(s.pid);
      const conf = await readFile(s.record.configFile, 'utf8');
      await writeFile(s.record.configFile, conf.replace(/^tls-cert-file .*$/m, `tls-cert-file ${next.cert}`).replace(/^tls-key-file .*$/m, `tls-key-file ${next.key}`));
      await t.restartSentinel(s.name);
      const ms = await waitUntil(`${s.name} rejoining after its restart`, 30_000, () => t.sentinelKnowsAll(s));
      rejoined.push(`${s.name} ${ms} ms`);
    }
    return `new server certificate loaded live on ${t.nodes.length} nodes; sentinels restarted one at a time, rejoined after ${rejoined.join(', ')}`;
  }
  async heal(): Promise<void> {}
  async checks(t: StartedTopology): Promise<FaultCheck[]> {
    const tls = t.snapshot.tls;
    if (!tls) return [];
    const ca = await readFile(tls.ca);
    const servers = [...t.nodes.map((n) => ({ name: n.name, port: n.controlPort })), ...t.sentinels.map((s) => ({ name: s.name, port: s.controlPort }))];
    const stale = (
      await Promise.all(servers.map(async (s) => ((await presentedFingerprint(s.port, ca).catch((e: Error) => e.message)) === this.fingerprint ? null : s.name)))
    ).filter((x) => x !== null);
    return [
      {
        name: 'every server presents the rotated certificate',
        limit: `${servers.length} servers`,
        actual: this.fingerprint === null ? 'not rotated' : stale.length ? `old certificate or no TLS on ${stale.join(', ')}` : `all ${servers.length}`,
        pass: this.fingerprint !== null && stale.length === 0,
      },
    ];
  }
}

export const rotateTlsCertificates = defineFault({ kind: 'rotate-tls-certificates', attributes: {}, hitsDataPath: false, usesAppLinks: false, create: () => new RotateTlsCertificates() });
