import { hashPassword } from '../password-hash.js';

/**
 * `npm run --silent hash-password`
 *
 * Prints the hash of a broker password for the configuration. On a terminal it
 * asks twice without echo; otherwise it reads the password from standard input
 * (`printf %s 'secret' | npm run --silent hash-password`), so that it never
 * appears in the shell history or the process list as an argument would.
 */

const CTRL_C = '\u0003';
const CTRL_D = '\u0004';
const BACKSPACE = ['\u007f', '\b'];

async function main(): Promise<number> {
  let password: string;
  try {
    if (process.stdin.isTTY) {
      password = await prompt('Password: ');
      if ((await prompt('Again: ')) !== password) throw new Error('the two passwords differ');
    } else {
      password = stripOneNewline(await readAll());
    }
  } catch (err) {
    process.stderr.write(`hash-password: ${(err as Error).message}\n`);
    return 1;
  }
  if (password === '') {
    process.stderr.write('hash-password: the password is empty\n');
    return 1;
  }
  process.stdout.write(`${await hashPassword(password)}\n`);
  return 0;
}

/** One line from the terminal in raw mode, so nothing typed is echoed. */
function prompt(question: string): Promise<string> {
  process.stderr.write(question);
  const stdin = process.stdin;
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (error?: Error): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (text: string): void => {
      for (const char of text) {
        if (char === '\r' || char === '\n') return finish();
        if (char === CTRL_C || (char === CTRL_D && typed === '')) return finish(new Error('cancelled'));
        if (BACKSPACE.includes(char)) typed = [...typed].slice(0, -1).join('');
        else if (char >= ' ') typed += char;
      }
    };
    stdin.on('data', onData);
  });
}

async function readAll(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** `echo secret |` adds a newline that is not part of the password. */
function stripOneNewline(text: string): string {
  return text.replace(/\r?\n$/, '');
}

process.exitCode = await main();
