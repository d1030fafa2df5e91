// Credentials stored for an environment (DESIGN.md section 10): sealed in the database, never shown again, given to
// the commands of its targets and checks under their names.

/** A value as the database keeps it: sealed under the master key it names. */
export interface SealedValue {
  keyId: string;
  iv: string;
  data: string;
  tag: string;
}

/** Seals and opens values (AES-256-GCM under `SANDBOX_MASTER_KEY`); `belongsTo` binds a value to its place. */
export interface SecretSealer {
  readonly keyId: string;
  seal(value: string, belongsTo: string): SealedValue;
  open(sealed: SealedValue, belongsTo: string): string;
}

/** What `secrets list` shows of a stored secret: never its value. */
export interface StoredSecret {
  environment: string;
  name: string;
  keyId: string;
  setBy: string;
  setAt: Date;
}

export interface SecretRepository {
  /** Stores the secret, replacing one of the same name in the environment. */
  put(environmentId: number, name: string, sealed: SealedValue, by: string, at: Date): Promise<void>;
  list(): Promise<StoredSecret[]>;
  /** The environment's secrets, sealed, by name. */
  sealedFor(environmentId: number): Promise<{ name: string; sealed: SealedValue }[]>;
}

/** A stored secret is bound to its environment and name: copied elsewhere in the database, it does not open. */
export const secretPlace = (environment: string, name: string) => `${environment}/${name}`;
