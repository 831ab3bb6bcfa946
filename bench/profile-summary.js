// @ts-check
'use strict';
// Summarises a .cpuprofile (from `npm run bench -- --profile`) as text:
// self time by function and by package, and inclusive time of the
// functions a stack passes through, so a report can say precisely what is
// hot without a browser. Usage: node bench/profile-summary.js FILE [TOP]
const { readFileSync } = require('node:fs');

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/profile-summary.js FILE.cpuprofile [TOP]');
  process.exit(2);
}
const TOP = Number(topArg) || 25;
const profile = JSON.parse(readFileSync(file, 'utf8'));

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

function where(frame) {
  const url = frame.url.replace(/^file:\/\//, '');
  const nm = url.lastIndexOf('node_modules/');
  const short = nm >= 0 ? url.slice(nm + 'node_modules/'.length) : url.replace(/^.*\/(dist|bench)\//, '$1/');
  return `${short || '(native)'}:${frame.lineNumber + 1}`;
}

function pkg(frame) {
  const url = frame.url;
  if (!url) return frame.functionName.startsWith('(') ? frame.functionName : '(native/builtin)';
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + 'node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  const dist = /\/dist\/([^/]+)/.exec(url);
  return dist ? `app:${dist[1]}` : url;
}

const key = (frame) => `${frame.functionName || '(anonymous)'}  ${where(frame)}`;

// Time per sample: timeDeltas[i] is the gap before sample i.
const self = new Map();
const inclusive = new Map();
const packages = new Map();
let total = 0;
profile.samples.forEach((id, i) => {
  const dt = (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0) / 1000;
  total += dt;
  const node = byId.get(id);
  self.set(key(node.callFrame), (self.get(key(node.callFrame)) ?? 0) + dt);
  packages.set(pkg(node.callFrame), (packages.get(pkg(node.callFrame)) ?? 0) + dt);
  const seen = new Set();
  for (let at = id; at !== undefined; at = parent.get(at)) {
    const k = key(byId.get(at).callFrame);
    if (seen.has(k)) continue;
    seen.add(k);
    inclusive.set(k, (inclusive.get(k) ?? 0) + dt);
  }
});

const idle = self.get(key({ functionName: '(idle)', url: '', lineNumber: -1 })) ?? 0;
const busy = total - idle;
const show = (title, map, filter = (_key) => true) => {
  console.log(`\n${title}`);
  [...map.entries()]
    .filter(([k]) => filter(k))
    .sort((a, b) => b[1] - a[1])
    .slice(0, TOP)
    .forEach(([k, ms]) =>
      console.log(`${ms.toFixed(0).padStart(8)} ms ${((100 * ms) / busy).toFixed(1).padStart(5)}%  ${k}`),
    );
};
console.log(`${file}: ${total.toFixed(0)} ms sampled, ${busy.toFixed(0)} ms not idle (percentages are of that)`);
show('self time by package', packages, (k) => k !== '(idle)');
show('self time by function', self, (k) => !k.startsWith('(idle)'));
show('inclusive time by function', inclusive, (k) => !k.startsWith('(idle)') && !k.startsWith('(root)'));
