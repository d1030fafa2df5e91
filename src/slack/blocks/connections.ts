import type { ConnectionTest } from '../../domain/services/connections.ts';
import { connectionLines } from '../../text/connections.ts';
import { context, escape } from './format.ts';
import { codeReply, type Reply } from './replies.ts';

/** A connection test in one message: as it goes (`done` false: the results so far), or whole. */
export function connectionTestReply(t: ConnectionTest, done: boolean): Reply {
  const more = `\`sandbox targets test ${escape(t.environment.name)}\` on the command line shows it whole.`;
  const [summary, ...lines] = connectionLines(t);
  if (!done) {
    const so = t.checks.length ? `${t.checks.filter((c) => c.ok).length} of ${t.checks.length} passed so far` : 'nothing has answered yet';
    const title = `:hourglass_flowing_sand: Testing the connections of ${escape(t.environment.name)}… ${so}.`;
    return t.checks.length ? codeReply(title, lines.join('\n'), more) : { text: title, blocks: [context(title)] };
  }
  const title = `${t.checks.some((c) => !c.ok) ? ':x:' : ':electric_plug:'} ${escape(summary!)}`;
  return lines.length ? codeReply(title, lines.join('\n'), more) : { text: title };
}
