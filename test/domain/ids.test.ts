import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.ts';
import { formatId, parseId } from '../../src/domain/ids.ts';

function refusal(input: string, ...args: Parameters<typeof parseId> extends [string, ...infer Rest] ? Rest : never): string {
  try {
    parseId(input, ...args);
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('INVALID_INPUT');
    return (error as DomainError).message;
  }
  throw new Error(`"${input}" was accepted`);
}

describe('typed ids', () => {
  it('are shown as DR-12, CR-3, RUN-45', () => {
    expect(formatId('request', 12)).toBe('DR-12');
    expect(formatId('changeRequest', 3)).toBe('CR-3');
    expect(formatId('run', 45)).toBe('RUN-45');
  });

  it('are accepted in their typed form, in any case, with or without the dash', () => {
    expect(parseId('DR-12', 'request')).toEqual({ kind: 'request', id: 12 });
    expect(parseId('dr-12', 'request')).toEqual({ kind: 'request', id: 12 });
    expect(parseId('DR12', 'request')).toEqual({ kind: 'request', id: 12 });
    expect(parseId('  DR-12 ', 'request')).toEqual({ kind: 'request', id: 12 });
    expect(parseId('CR-3', 'changeRequest')).toEqual({ kind: 'changeRequest', id: 3 });
    expect(parseId('RUN-45', 'request', ['request', 'run'])).toEqual({ kind: 'run', id: 45 });
    expect(parseId('DR-45', 'request', ['request', 'run'])).toEqual({ kind: 'request', id: 45 });
  });

  it('a bare number takes the kind that is clear from the place', () => {
    expect(parseId('12', 'request')).toEqual({ kind: 'request', id: 12 });
    expect(parseId('3', 'changeRequest')).toEqual({ kind: 'changeRequest', id: 3 });
    expect(parseId('45', 'request', ['request', 'run'])).toEqual({ kind: 'request', id: 45 });
  });

  it('round-trips', () => {
    for (const kind of ['request', 'changeRequest', 'run'] as const) {
      expect(parseId(formatId(kind, 2_147_483_647), kind)).toEqual({ kind, id: 2_147_483_647 });
    }
  });

  it('refuses another kind where it is not accepted, saying which form to use', () => {
    expect(refusal('CR-3', 'request')).toBe('"CR-3" is not accepted here. Use the form DR-12.');
    expect(refusal('RUN-4', 'request')).toContain('Use the form DR-12');
    expect(refusal('DR-4', 'changeRequest')).toContain('Use the form CR-12');
    expect(refusal('CR-4', 'request', ['request', 'run'])).toContain('Use the form DR-12 or RUN-12');
  });

  it('refuses unknown prefixes and text that is no id', () => {
    expect(refusal('XX-3', 'request')).toContain('not accepted here');
    for (const bad of ['', '  ', 'DR-', 'DR-x', 'abc', '-5', '1.5', '12abc', 'DR--12', 'DR 12 13', '#12']) {
      expect(refusal(bad, 'request')).toBe(`"${bad}" is not an id. Use the form DR-12, or a bare number.`);
    }
  });

  it('refuses numbers out of range', () => {
    for (const bad of ['0', 'DR-0', '2147483648', '99999999999999999999']) {
      expect(refusal(bad, 'request')).toContain('out of range');
    }
  });
});
