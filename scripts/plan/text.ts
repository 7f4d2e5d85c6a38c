// Plain-text layout for `npm run plan`: every line fits a terminal of WIDTH columns. Long values wrap at spaces;
// a shell command wraps with " \" continuations so it still pastes as one command.

/** The widest line text mode prints. */
export const WIDTH = 120;

/**
 * `text` as lines of at most `width` characters: the first starts with `first`, the rest with `rest`.
 * Breaks at spaces; a word longer than a line is cut (a digest or URL), never left overlong.
 */
export function wrap(text: string, width = WIDTH, first = "", rest = first): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  const push = () => {
    lines.push(line.trimEnd());
    line = rest;
    empty = true;
  };
  for (let word of text.split(/ +/)) {
    if (!empty && line.length + 1 + word.length > width) push();
    while ((empty ? line.length : line.length + 1) + word.length > width) {
      const room = width - line.length - (empty ? 0 : 1);
      if (room <= 0) {
        push();
        continue;
      }
      line += (empty ? "" : " ") + word.slice(0, room);
      word = word.slice(room);
      push();
    }
    if (word === "") continue;
    line += (empty ? "" : " ") + word;
    empty = false;
  }
  if (!empty || lines.length === 0) lines.push(line.trimEnd());
  return lines;
}

/** The words of a shell command, each quoted part kept whole (a break inside quotes would change it). */
export function shellWords(command: string): string[] {
  return command.match(/(?:[^\s'"]+|'[^']*'|"(?:[^"\\]|\\.)*")+/g) ?? [];
}

/**
 * A shell command over several lines joined by " \" (bash reads them as one), breaking only between words,
 * each line at most `width` wide. A word too long for any line falls back to plain wrapping.
 */
export function wrapCommand(command: string, width = WIDTH, first = "", rest = `${first}    `): string[] {
  const words = shellWords(command);
  if (first.length + command.length <= width) return [`${first}${command}`];
  if (words.some((w) => rest.length + w.length + 2 > width)) return wrap(command, width, first, rest);
  const lines: string[] = [];
  let line = first;
  for (const w of words) {
    const lead = line === first || line === rest ? "" : " ";
    if (line.length + lead.length + w.length + 2 > width && line !== first && line !== rest) {
      lines.push(`${line} \\`);
      line = rest + w;
    } else line += lead + w;
  }
  lines.push(line);
  return lines;
}
