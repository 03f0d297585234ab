import { VERSION } from '../version.js';
import { UsageError } from './args.js';
import { demo, DEMO_HELP } from './demo.js';
import { describeError } from './format.js';
import { println, processIo, type CliIo } from './io.js';
import { listen, LISTEN_HELP } from './listen.js';
import { send, SEND_HELP } from './send.js';

export const MAIN_HELP = `Usage: ff-webhook <command> [options]

Commands:
  demo      see the whole pipeline work: OpenFeature → batches → signed
            webhook → embedded receiver, with a live progress line
            (--ui: and the live page of what arrives)
  listen    a development receiver: prints each batch, checks signatures,
            appends events to a file as NDJSON
  send      deliver NDJSON events from stdin to a webhook

Run 'ff-webhook <command> --help' for a command's options.
Options: -h, --help   show this help;  -v, --version   print the version

Exit status: 0 success, 1 failure, 2 bad arguments.
`;

type Command = (argv: string[], io: CliIo) => Promise<number>;

const COMMANDS: Record<string, { run: Command; help: string }> = {
  demo: { run: demo, help: DEMO_HELP },
  listen: { run: listen, help: LISTEN_HELP },
  send: { run: send, help: SEND_HELP },
};

/**
 * Runs the `ff-webhook` command line and resolves to its exit code; never
 * rejects and never calls process.exit (the bin sets process.exitCode).
 */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr.write(MAIN_HELP);
    return 2;
  }
  if (name === '-h' || name === '--help' || name === 'help') {
    const topic = name === 'help' && rest[0] !== undefined ? COMMANDS[rest[0]] : undefined;
    io.stdout.write(topic?.help ?? MAIN_HELP);
    return 0;
  }
  if (name === '-v' || name === '--version') {
    println(io.stdout, VERSION);
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) {
    // Echo only word-like names: a stray token may be a value someone meant to keep private.
    const shown = /^[a-z][a-z-]{0,30}$/i.test(name) ? ` '${name}'` : '';
    const what = name.startsWith('-') ? 'a command (demo, listen or send) must come first' : `unknown command${shown} (expected demo, listen or send)`;
    println(io.stderr, `ff-webhook: ${what}; see ff-webhook --help`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      println(io.stderr, `ff-webhook ${name}: ${error.message}; see ff-webhook ${name} --help`);
      return 2;
    }
    println(io.stderr, `ff-webhook ${name}: ${describeError(error)}`);
    return 1;
  }
}
