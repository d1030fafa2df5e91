import { InvalidInputError } from './errors.ts';

/** Short typed ids as people see them: DR-12, CR-3, RUN-45. */
export const idPrefixes = { request: 'DR', changeRequest: 'CR', run: 'RUN' } as const;
export type IdKind = keyof typeof idPrefixes;

export const formatId = (kind: IdKind, id: number) => `${idPrefixes[kind]}-${id}`;

export interface ParsedId {
  kind: IdKind;
  id: number;
}

/** Parses `DR-12`, `dr12`, `RUN-4` or a bare `12` (taken as `fallback`). */
export function parseId(input: string, fallback: IdKind, accepted: IdKind[] = [fallback]): ParsedId {
  const match = /^\s*(?:([a-z]+)-?)?(\d+)\s*$/i.exec(input);
  const usage = accepted.map((k) => `${idPrefixes[k]}-12`).join(' or ');
  if (!match) throw new InvalidInputError(`"${input}" is not an id. Use the form ${usage}, or a bare number.`);
  const prefix = match[1]?.toUpperCase();
  const kind = prefix ? (Object.keys(idPrefixes) as IdKind[]).find((k) => idPrefixes[k] === prefix) : fallback;
  if (!kind || !accepted.includes(kind)) {
    throw new InvalidInputError(`"${input}" is not accepted here. Use the form ${usage}.`);
  }
  const id = Number(match[2]);
  if (!Number.isSafeInteger(id) || id < 1 || id > 2_147_483_647) {
    throw new InvalidInputError(`"${input}" is out of range. Use the form ${usage}.`);
  }
  return { kind, id };
}

/** People are named by their Slack user ids (U… or W…). */
export const USER_ID = /^[UW][A-Z0-9]{2,}$/;
