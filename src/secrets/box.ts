import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Secrets stored in the database, sealed with AES-256-GCM under the master key (`SANDBOX_MASTER_KEY`: 32 bytes as
 * 64 hex digits or base64). Each sealed value names the key it was sealed with (its id: the start of the key's
 * SHA-256), so that keys can be rotated: list the new key first and the old one after it (`new,old`), seal again,
 * then drop the old one. A value is bound to where it belongs (its environment and name): moved elsewhere, it does not
 * open.
 */
export interface Sealed {
  keyId: string;
  /** The nonce, the ciphertext and the authentication tag, base64. */
  iv: string;
  data: string;
  tag: string;
}

export class MasterKeyError extends Error {}

interface Key {
  id: string;
  bytes: Buffer;
}

const KEY_BYTES = 32;

function decodeKey(text: string): Buffer | undefined {
  if (/^[0-9a-f]{64}$/i.test(text)) return Buffer.from(text, 'hex');
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.length === KEY_BYTES ? bytes : undefined;
}

export const keyIdOf = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex').slice(0, 12);

/** The keys of `SANDBOX_MASTER_KEY` (the first seals; all open); a malformed one is refused without showing it. */
export function parseMasterKeys(setting: string): Key[] {
  return setting.split(',').map((text, i) => {
    const bytes = decodeKey(text.trim());
    if (!bytes) throw new MasterKeyError(`SANDBOX_MASTER_KEY: key ${i + 1} is not 32 bytes as 64 hex digits or base64. Make one with \`openssl rand -hex 32\`.`);
    return { id: keyIdOf(bytes), bytes };
  });
}

export class SecretBox {
  readonly #keys: Key[];

  constructor(setting: string) {
    this.#keys = parseMasterKeys(setting);
  }

  /** The id of the key new values are sealed with. */
  get keyId() {
    return this.#keys[0]!.id;
  }

  seal(value: string, belongsTo: string): Sealed {
    const key = this.#keys[0]!;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key.bytes, iv).setAAD(Buffer.from(belongsTo));
    const data = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    return { keyId: key.id, iv: iv.toString('base64'), data: data.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
  }

  open(sealed: Sealed, belongsTo: string): string {
    const key = this.#keys.find((k) => k.id === sealed.keyId);
    if (!key) throw new MasterKeyError(`A secret was sealed with key ${sealed.keyId}, which SANDBOX_MASTER_KEY does not hold: add that key after the current one, or set the secret again.`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.bytes, Buffer.from(sealed.iv, 'base64')).setAAD(Buffer.from(belongsTo));
      decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      throw new MasterKeyError(`A secret of ${belongsTo} does not open under key ${sealed.keyId}: it was changed or moved. Set it again.`);
    }
  }
}
