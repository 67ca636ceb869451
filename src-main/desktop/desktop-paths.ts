// Where the installed desk keeps things, under the Windows user's AppData (%APPDATA%\Bayline):
// the shop's data folder, crash reports (kept here, never uploaded) and the window's place.
// Named explicitly rather than left to Electron's app name, so the uninstaller's
// --delete-app-data (which removes %APPDATA%\Bayline) and these always agree.
import path from 'node:path';

export const APP_FOLDER = 'Bayline';

export interface DesktopPaths {
  userData: string;
  /** The shop's data (SQLite, files, backups); BAYLINE_DATA points it elsewhere. */
  data: string;
  crashReports: string;
  windowState: string;
}

export function desktopPaths(appData: string, env: NodeJS.ProcessEnv = process.env): DesktopPaths {
  const userData = path.join(appData, APP_FOLDER);
  return {
    userData,
    data: env.BAYLINE_DATA ? path.resolve(env.BAYLINE_DATA) : path.join(userData, 'data'),
    crashReports: path.join(userData, 'crash-reports'),
    windowState: path.join(userData, 'window-state.json'),
  };
}
