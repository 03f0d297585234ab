// Loads one src module under tsx and prints which node built-ins modules under src/ required.
const Module = require('node:module');
const path = require('node:path');
const src = path.resolve(__dirname, '../../src') + path.sep;
const builtins = [];
const files = new Set();
const load = Module._load;
Module._load = function (request, parent, ...rest) {
  const from = parent && parent.filename;
  if (from && from.startsWith(src)) {
    files.add(path.relative(src, from));
    if (Module.isBuiltin(request)) builtins.push(`${path.relative(src, from)} -> ${request}`);
  }
  return load.call(this, request, parent, ...rest);
};
require('tsx/cjs');
const loaded = require(path.join(src, process.argv[2]));
const run = typeof loaded.createFetchReceiver === 'function'
  ? loaded.createFetchReceiver({ onBatch: () => undefined })(new Request('http://x/', { method: 'POST', body: '{"events":[]}' })).then((r) => r.status)
  : Promise.resolve(0);
run.then((status) => console.log(JSON.stringify({ builtins, files: [...files].sort(), status })));
