import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const README = read('README.md');

/** The property names of an exported interface, read from its source. */
function optionsOf(path: string, name: string): string[] {
  const source = read(path);
  const start = source.indexOf(`export interface ${name} {`);
  assert.ok(start >= 0, `${name} in ${path}`);
  const body = source.slice(start, source.indexOf('\n}', start));
  return [...body.matchAll(/^ {2}(?:readonly )?(\w+)\??[:(]/gm)].map((m) => m[1]!);
}

describe('README documents every option (issues 12–14: limits, schemes, ceilings)', () => {
  const interfaces: Array<[string, string]> = [
    ['src/processor/options.ts', 'BatchProcessorOptions'],
    ['src/webhook/webhook-options.ts', 'WebhookExporterOptions'],
    ['src/receiver-options.ts', 'ReceiverOptions'],
    ['src/receiver-options.ts', 'DedupeOptions'],
    ['src/verify-webhook.ts', 'VerifyWebhookOptions'],
  ];
  for (const [path, name] of interfaces) {
    it(`${name}: each option is named in the README`, () => {
      const options = optionsOf(path, name);
      assert.ok(options.length > 1, `read ${options.join(', ')}`);
      const missing = options.filter((option) => !README.includes(`\`${option}\``) && !README.includes(`${option}:`));
      assert.deepEqual(missing, []);
    });
  }

  it('states the limits a user can meet: timer-sized durations, the Retry-After ceiling, the 413 floor, creationDate', () => {
    assert.match(README, /at most 2³¹−1/);
    assert.match(README, /up to a ceiling of \*\*1 hour\*\*/);
    assert.match(README, /The split has a floor: the pieces of one batch\s+may be refused 2·⌈log₂ n⌉ \+ 2 times/);
    assert.match(README, /`creationDate` that is not a safe integer/);
  });
});
