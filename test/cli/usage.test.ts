import assert from 'node:assert/strict';
import { ensureBuilt, runCli, type CliResult } from './helpers.js';

/** Runs the bin for each argument list, a few at a time (each start loads axios). */
async function inBatches(argLists: string[][], size = 6): Promise<CliResult[]> {
  const results: CliResult[] = [];
  for (let i = 0; i < argLists.length; i += size) results.push(...(await Promise.all(argLists.slice(i, i + size).map((args) => runCli(args)))));
  return results;
}

describe('ff-webhook usage (built bin)', function () {
  this.timeout(20_000);

  before(async function () {
    this.timeout(180_000);
    await ensureBuilt();
  });

  const bad: [string, string[], RegExp][] = [
    ['an unknown option', ['send', '--endpoint', 'http://127.0.0.1:1/', '--bogus'], /unknown option --bogus/],
    ['a missing --endpoint', ['send'], /--endpoint URL is required/],
    ['a non-http(s) endpoint', ['send', '--endpoint', 'ftp://example.com/'], /--endpoint must be an http:\/\/ or https:\/\/ URL/],
    ['a relative endpoint', ['send', '--endpoint', 'example.com'], /--endpoint must be an absolute/],
    ['a header without a colon', ['send', '--endpoint', 'http://127.0.0.1:1/', '--header', 'Authorization Bearer x'], /--header must look like NAME:VALUE/],
    ['a header the exporter owns', ['send', '--endpoint', 'http://127.0.0.1:1/', '--header', 'Content-Type: text/plain'], /Content-Type/],
    ['a meta entry without =', ['send', '--endpoint', 'http://127.0.0.1:1/', '--meta', 'novalue'], /--meta must look like KEY=VALUE/],
    ['a non-integer interval', ['send', '--endpoint', 'http://127.0.0.1:1/', '--flush-interval', '1.5'], /--flush-interval must be an integer/],
    // Durations a Node timer cannot hold are refused under the flag's own name (issue 12), not the library option's.
    ['an interval past 2^31−1 ms', ['send', '--endpoint', 'http://127.0.0.1:1/', '--flush-interval', '2147483648'], /--flush-interval must be an integer from 1 to 2147483647/],
    ['a timeout past 2^31−1 ms', ['send', '--endpoint', 'http://127.0.0.1:1/', '--timeout', '9007199254740991'], /--timeout must be an integer from 1 to 2147483647/],
    ['a zero batch size', ['send', '--endpoint', 'http://127.0.0.1:1/', '--max-event-in-memory', '0'], /--max-event-in-memory must be an integer ≥ 1/],
    ['an empty secret', ['send', '--endpoint', 'http://127.0.0.1:1/', '--secret='], /--secret must not be empty/],
    ['a stray argument', ['send', '--endpoint', 'http://127.0.0.1:1/', 'extra'], /unexpected argument/],
    ['a port out of range', ['listen', '--port', '70000'], /--port must be an integer from 0 to 65535/],
    ['a port that is not a number', ['listen', '--port', 'http'], /--port must be an integer/],
    ['a missing option value', ['demo', '--events'], /option '--events <value>' argument missing/],
    ['zero events', ['demo', '--events', '0'], /--events must be an integer ≥ 1/],
    ['a bad demo endpoint', ['demo', '--endpoint', 'file:///tmp/x'], /--endpoint must be an http/],
    ['an unknown command', ['replay'], /unknown command 'replay'/],
    ['options before the command', ['--port', '1'], /a command \(demo, listen or send\) must come first/],
  ];

  it('exits 2 with a one-line error for bad arguments, never echoing values', async () => {
    const results = await inBatches(bad.map(([, args]) => args));
    results.forEach((result, i) => {
      const [what, , message] = bad[i];
      assert.equal(result.code, 2, `${what}: exit ${result.code}\n${result.stderr}`);
      assert.equal(result.stdout, '', what);
      assert.equal(result.stderr.trimEnd().split('\n').length, 1, `${what}: more than one line:\n${result.stderr}`);
      assert.match(result.stderr, message, what);
      assert.match(result.stderr, /^ff-webhook[ :]/, what);
    });
    assert.ok(!results[5].stderr.includes('text/plain'), 'a header value was printed');
    assert.ok(!results[5].stderr.includes('Bearer'), 'a header value was printed');
  });

  it('prints help for each command with --help or -h, and exits 0', async () => {
    const cases: [string[], RegExp][] = [
      [['--help'], /^Usage: ff-webhook <command>/],
      [['help', 'send'], /^Usage: ff-webhook send --endpoint URL/],
      [['demo', '--help'], /^Usage: ff-webhook demo \[options\][\s\S]*--events N/],
      [['listen', '-h'], /^Usage: ff-webhook listen \[options\][\s\S]*--out FILE/],
      [['send', '--help'], /^Usage: ff-webhook send[\s\S]*--header 'Name: value'[\s\S]*--max-event-in-memory N/],
    ];
    const results = await Promise.all(cases.map(([args]) => runCli(args)));
    results.forEach((result, i) => {
      assert.equal(result.code, 0, cases[i][0].join(' '));
      assert.match(result.stdout, cases[i][1]);
      assert.equal(result.stderr, '');
    });
  });

  it('prints the version, and the usage (exit 2) when no command is given', async () => {
    const [version, none] = await Promise.all([runCli(['--version']), runCli([])]);
    assert.equal(version.code, 0);
    assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /^Usage: ff-webhook <command>/);
  });
});
