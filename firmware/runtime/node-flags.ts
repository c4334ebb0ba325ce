/**
 * The V8 flags a device runs the firmware with (docs/firmware.md, the systemd unit). A desk
 * phone has little memory and a light load: a 1 MB young generation instead of Node's 16 MB
 * semi-spaces keeps the heap from growing with every burst of updates, and lite mode (no
 * optimising compiler, feedback allocated lazily) trades peak speed the device never needs
 * for about 7 MB less resident code. Measured by `npm run bench -- --only firmware`.
 */
export const DEVICE_NODE_FLAGS = ['--max-semi-space-size=1', '--lite-mode'] as const;

/** The flags missing from this process's command line (none on a device installed as documented). */
export function missingNodeFlags(execArgv: readonly string[] = process.execArgv): string[] {
  return DEVICE_NODE_FLAGS.filter((f) => !execArgv.includes(f));
}
