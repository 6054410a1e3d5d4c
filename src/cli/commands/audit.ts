import Table from 'cli-table3';
import pc from 'picocolors';
import { TargetError, UserError } from '../../errors.js';
import { auditFails, severityOrder, type Severity } from '../../audit/auditChecks.js';
import { runAudit } from '../../audit/runAudit.js';
import { readExternalAccess, resolveTarget } from '../../target/resolveTarget.js';
import { targetKind } from '../../target/targetRef.js';
import { clusterAuditSubject, externalAuditSubject, topologyAuditSubject } from '../../audit/auditSubject.js';
import { targetFromFlags, type TargetFlags } from '../targetFlags.js';

export interface AuditOptions extends TargetFlags {
  failOn: string;
  json: boolean;
}

/** `gauntlet audit [--target detached[:id]|FILE.json | target flags] [--fail-on SEVERITY] [--json]`: exit 1 when a finding reaches --fail-on. */
export async function audit(o: AuditOptions): Promise<number> {
  if (!severityOrder.includes(o.failOn as Severity)) throw new UserError(`--fail-on must be one of ${severityOrder.join(', ')}, got "${o.failOn}"`);
  const ref = targetFromFlags(o);
  const target = targetKind(ref) === 'external' ? null : await resolveTarget({ target: ref, allowDestructive: false, onProgress: (l) => process.stderr.write(`${l}\n`) });
  try {
    const subject = target?.cluster
      ? clusterAuditSubject(target.cluster)
      : target?.topology
        ? topologyAuditSubject(target.topology)
        : externalAuditSubject(await readExternalAccess(ref!));
    const report = await runAudit(subject);
    const fails = auditFails(report.findings, o.failOn as Severity);
    // One probe that cannot run is listed; none that could run means the target did not answer at all.
    const nothing = report.checked.length === 0 ? `audit of ${report.subject}: nothing could be checked (${report.notChecked.find((n) => /could not connect|cannot find/.test(n)) ?? report.notChecked[0] ?? 'no server answered'})` : null;
    if (o.json) console.log(JSON.stringify({ ...report, failOn: o.failOn, pass: !fails && !nothing }, null, 2));
    else {
      const t = new Table({ head: ['severity', 'where', 'problem', 'fix'], style: { head: [], border: [] }, colWidths: [10, 12, 60, 50], wordWrap: true });
      for (const f of [...report.findings].sort((a, b) => severityOrder.indexOf(b.severity) - severityOrder.indexOf(a.severity))) t.push([f.severity, f.where, f.problem, f.fix]);
      console.log(report.findings.length ? t.toString() : 'no findings');
      console.log(`checked: ${report.checked.join('; ') || 'nothing'}`);
      console.log(`not checked: ${report.notChecked.join('; ') || 'nothing'}`);
      if (!nothing) console.log(fails ? pc.red(`audit FAILED: findings at or above ${o.failOn}`) : pc.green(`audit passed (nothing at or above ${o.failOn})`));
    }
    if (nothing) throw new TargetError(nothing);
    return fails ? 1 : 0;
  } finally {
    await target?.close();
  }
}
