// Reads V8 CPU profiles (node --cpu-prof) and prints where the time went: self time by function
// and by file (a package counts as one file), highest first.
//   npx tsx bench/profile-top.ts <file.cpuprofile | folder> [how many lines, default 25]
import fs from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** A package's files count as the package; the project's own files keep their path. */
function placeOf(url: string): string {
  if (!url) return '(native or idle)';
  const file = url.replace(/^file:\/\//, '');
  const inModules = file.lastIndexOf('node_modules/');
  if (inModules >= 0) {
    const rest = file.slice(inModules + 'node_modules/'.length).split('/');
    return `npm:${rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  if (file.startsWith('node:')) return file;
  return path.relative(process.cwd(), file);
}

export function topOfProfile(profile: Profile): { totalMs: number; byFunction: Array<[string, number]>; byPlace: Array<[string, number]> } {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byFunction = new Map<string, number>();
  const byPlace = new Map<string, number>();
  for (const [id, micros] of self) {
    const f = nodes.get(id)!.callFrame;
    const place = placeOf(f.url);
    const name = `${f.functionName || '(anonymous)'} ${place}${f.url ? `:${f.lineNumber + 1}` : ''}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros / 1000);
    byPlace.set(place, (byPlace.get(place) ?? 0) + micros / 1000);
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return { totalMs: (profile.endTime - profile.startTime) / 1000, byFunction: sorted(byFunction), byPlace: sorted(byPlace) };
}

function main(): void {
  const [where, many] = process.argv.slice(2);
  if (!where) {
    console.error('Usage: npx tsx bench/profile-top.ts <file.cpuprofile | folder> [lines]');
    process.exit(2);
  }
  const lines = Number(many ?? 25);
  const files = fs.statSync(where).isDirectory()
    ? fs.readdirSync(where).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(where, f))
    : [where];
  for (const file of files) {
    const top = topOfProfile(JSON.parse(fs.readFileSync(file, 'utf8')) as Profile);
    const busy = top.byPlace.filter(([p]) => p !== '(native or idle)').reduce((s, [, v]) => s + v, 0);
    console.log(`\n${file}: ${(top.totalMs / 1000).toFixed(1)} s profiled`);
    console.log('  by file or package (self time, ms):');
    for (const [name, v] of top.byPlace.slice(0, lines)) console.log(`    ${v.toFixed(0).padStart(8)}  ${name}`);
    console.log(`  by function (self time, ms; ${busy.toFixed(0)} ms outside idle and native):`);
    for (const [name, v] of top.byFunction.slice(0, lines)) console.log(`    ${v.toFixed(0).padStart(8)}  ${name}`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) main();
