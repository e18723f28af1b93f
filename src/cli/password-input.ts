// Reading a password without it showing anywhere: a terminal prompt with echo off, or the first
// line of a pipe. Neither keeps the password beyond the returned string.
import { createInterface } from 'node:readline';

/** Ctrl-C at a prompt: the command stops without doing anything (exit 130, as a shell's SIGINT). */
export class PromptInterrupted extends Error {
  constructor() {
    super('interrupted');
    this.name = 'PromptInterrupted';
  }
}

/**
 * Asks on stderr and reads one line from the terminal on stdin with echo off (raw mode: the
 * terminal shows nothing of what is typed). Backspace edits; Enter ends; Ctrl-C and Ctrl-D on an
 * empty line stop.
 */
export function promptHidden(prompt: string): Promise<string> {
  const input = process.stdin;
  // Echo off before the prompt shows: nothing typed after it can appear.
  input.setRawMode(true);
  process.stderr.write(prompt);
  input.setEncoding('utf8');
  input.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = () => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write('\n');
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') {
          finish();
          return resolve(value);
        }
        if (char === '\u0003' || (char === '\u0004' && value === '')) {
          finish();
          return reject(new PromptInterrupted());
        }
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
        else if (char >= ' ') value += char;
      }
    };
    input.on('data', onData);
  });
}

/** The first line of `input` (a pipe), without its line ending; '' when it is empty. */
export async function readFirstLine(input: NodeJS.ReadableStream): Promise<string> {
  const lines = createInterface({ input, terminal: false, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    lines.close();
    return line;
  }
  return '';
}
