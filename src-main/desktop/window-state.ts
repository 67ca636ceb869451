// Where the desk's window was and how big, remembered across starts in <userData>/window-state.json.
// A position that is on no screen any more (a monitor unplugged, a smaller laptop screen) is
// dropped, so the window never opens out of sight. Electron-free: main.ts passes the displays.
import fs from 'node:fs';
import path from 'node:path';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

export const DEFAULT_WINDOW: WindowState = { width: 1400, height: 900, maximized: false };
export const MIN_WINDOW = { width: 900, height: 600 } as const;
/** How much of the title bar must be on a screen for a saved position to be kept. */
const VISIBLE = { width: 120, height: 40 } as const;

export function readWindowState(file: string, workAreas: readonly Rect[]): WindowState {
  // A first start or a damaged file: the default size, still fitted to the screen.
  let saved: Partial<WindowState> = {};
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (parsed && typeof parsed === 'object') saved = parsed as Partial<WindowState>;
  } catch {
    // keep the default
  }
  const number = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  const biggest = workAreas.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a), workAreas[0] ?? { x: 0, y: 0, width: 1366, height: 768 });
  const width = Math.min(Math.max(number(saved.width) ? Math.round(saved.width) : DEFAULT_WINDOW.width, MIN_WINDOW.width), Math.max(biggest.width, MIN_WINDOW.width));
  const height = Math.min(Math.max(number(saved.height) ? Math.round(saved.height) : DEFAULT_WINDOW.height, MIN_WINDOW.height), Math.max(biggest.height, MIN_WINDOW.height));
  const state: WindowState = { width, height, maximized: saved.maximized === true };
  if (number(saved.x) && number(saved.y)) {
    const titleBar = { x: Math.round(saved.x), y: Math.round(saved.y), width, height: VISIBLE.height };
    if (workAreas.some((area) => overlap(titleBar, area).width >= VISIBLE.width && overlap(titleBar, area).height >= VISIBLE.height / 2)) {
      state.x = titleBar.x;
      state.y = titleBar.y;
    }
  }
  return state;
}

export function saveWindowState(file: string, state: WindowState): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, JSON.stringify(state));
  fs.renameSync(temp, file);
}

function overlap(a: Rect, b: Rect): { width: number; height: number } {
  return {
    width: Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)),
    height: Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y)),
  };
}
