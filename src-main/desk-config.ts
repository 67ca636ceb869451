// Which workspace a data folder holds (`desk.json`), read without opening anything.
import fs from 'node:fs';
import path from 'node:path';

export interface DeskConfig {
  workspace: string;
}

/** The workspace slug this data folder holds, or null for an empty folder. */
export function readDeskConfig(dataDir: string): DeskConfig | null {
  const file = path.join(dataDir, 'desk.json');
  if (!fs.existsSync(file)) return null;
  return JSON.parse(fs.readFileSync(file, 'utf8')) as DeskConfig;
}
