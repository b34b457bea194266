// Reads `terraform show -json PLAN` on stdin and prints the VMs and data disks the plan would replace or destroy (empty: none).
//
// deploy-all.sh stops and asks before applying such a plan: replacing the VM loses its boot disk, and destroying the
// data disk loses the ledger. Exit 1 when stdin is not a Terraform JSON plan (the caller must not guess then).

/** Resource types whose replacement loses state: the VM (boot disk) and the disk holding the ledger. */
export const GUARDED_TYPES = new Set(['aws_instance', 'aws_ebs_volume', 'google_compute_instance', 'google_compute_disk']);

/**
 * Addresses of guarded resources whose planned actions include "delete" (a replacement is ["delete","create"] or
 * ["create","delete"]; a destroy is ["delete"]).
 * @param {{ resource_changes?: Array<{ address: string, type: string, change: { actions: string[] } }> }} plan
 * @returns {string[]}
 */
export function replacements(plan) {
  if (!plan || typeof plan !== 'object' || !('format_version' in plan)) throw new Error('not a Terraform JSON plan');
  return (plan.resource_changes ?? [])
    .filter((c) => GUARDED_TYPES.has(c.type) && c.change.actions.includes('delete'))
    .map((c) => c.address);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  let input = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (d) => (input += d));
  process.stdin.on('end', () => {
    try {
      process.stdout.write(replacements(JSON.parse(input)).join(' '));
    } catch (e) {
      process.stderr.write(`plan-replacements: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    }
  });
}
