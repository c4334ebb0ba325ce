/**
 * The PBX port: the hub keeps the PBX's call forwarding in step with its truth.
 * Forwards are per extension and idempotent; the PBX follows chains itself, as PBXes do.
 */
export interface PbxPort {
  readonly name: string;
  /** Forward all calls for `extension` to `toExtension`, or clear the forward with null. */
  applyForward(extension: string, toExtension: string | null): Promise<void>;
  /** The PBX's current forwards, for reconcile. */
  readForwards(): Promise<Map<string, string>>;
}

/** Used when no PBX is configured: remembers nothing, routes nothing. */
export class NoPbx implements PbxPort {
  readonly name = 'none';
  async applyForward(): Promise<void> {}
  async readForwards(): Promise<Map<string, string>> {
    return new Map();
  }
}
