import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyIdOf, MasterKeyError, SecretBox } from '../../src/secrets/box.ts';

// Stored secrets are sealed with AES-256-GCM under the master key, name the key they were sealed with, and open
// only where they belong.

const hexKey = () => randomBytes(32).toString('hex');

describe('the secret box', () => {
  it('seals a value so that it opens again, never the same twice, and shows nothing of it', () => {
    const box = new SecretBox(hexKey());
    const first = box.seal('s3cr3t-token', 'Production/API_TOKEN');
    const second = box.seal('s3cr3t-token', 'Production/API_TOKEN');
    expect(first.data).not.toBe(second.data);
    expect(JSON.stringify(first)).not.toContain('s3cr3t');
    expect(first.keyId).toBe(box.keyId);
    expect(box.open(first, 'Production/API_TOKEN')).toBe('s3cr3t-token');
  });

  it('takes the key as 64 hex digits or base64, and refuses anything else without showing it', () => {
    const bytes = randomBytes(32);
    expect(new SecretBox(bytes.toString('base64')).keyId).toBe(keyIdOf(bytes));
    expect(new SecretBox(bytes.toString('hex')).keyId).toBe(keyIdOf(bytes));
    for (const bad of ['short', randomBytes(16).toString('hex'), 'not base64 at all!']) {
      expect(() => new SecretBox(bad)).toThrow(MasterKeyError);
      expect(() => new SecretBox(bad)).toThrow('SANDBOX_MASTER_KEY: key 1 is not 32 bytes as 64 hex digits or base64. Make one with `openssl rand -hex 32`.');
    }
  });

  it('refuses a value moved to another name or changed, and one sealed with a key it no longer holds', () => {
    const box = new SecretBox(hexKey());
    const sealed = box.seal('value', 'Staging/A');
    expect(() => box.open(sealed, 'Staging/B')).toThrow('A secret of Staging/B does not open under key');
    expect(() => box.open({ ...sealed, data: Buffer.from('tampered').toString('base64') }, 'Staging/A')).toThrow(MasterKeyError);
    expect(() => new SecretBox(hexKey()).open(sealed, 'Staging/A')).toThrow(`sealed with key ${sealed.keyId}, which SANDBOX_MASTER_KEY does not hold`);
  });

  it('rotates: with the new key first and the old one after it, old values open and new ones are sealed with the new key', () => {
    const old = hexKey();
    const sealedOld = new SecretBox(old).seal('kept', 'Production/X');
    const next = hexKey();
    const rotated = new SecretBox(`${next},${old}`);
    expect(rotated.open(sealedOld, 'Production/X')).toBe('kept');
    const resealed = rotated.seal(rotated.open(sealedOld, 'Production/X'), 'Production/X');
    expect(resealed.keyId).toBe(new SecretBox(next).keyId);
    expect(new SecretBox(next).open(resealed, 'Production/X')).toBe('kept');
  });
});
