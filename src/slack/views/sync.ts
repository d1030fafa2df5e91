import type { View } from '@slack/types';
import type { Environment, Instance } from '../../domain/types.ts';
import { escape, section } from '../blocks/format.ts';
import { callbacks, fields } from '../ids.ts';
import { modal, selectInput } from './common.ts';

/** The sync modal: which instance of the environment above to pull from. */
export function syncModal(o: { instance: Instance; upper: Environment; sources: Instance[]; preferred?: Instance; label: string; channel?: string }): View {
  return modal({
    callbackId: callbacks.sync,
    title: o.label,
    submit: 'Sync',
    metadata: { instance: o.instance.name, channel: o.channel },
    blocks: [
      section(`Pulls the chosen instance of *${escape(o.upper.name)}* into *${escape(o.instance.name)}*. Components changed only upstream are taken, yours are kept, and conflicts are kept as yours and listed.`),
      selectInput(fields.source, 'Source instance', o.sources.map((s) => ({ text: s.name, value: s.name })), { initial: o.preferred?.name }),
    ],
  });
}
