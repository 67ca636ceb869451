// Renderer entry: makes sure `window.bayline` exists (WebSocket transport outside Electron), then
// shows the repair board.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { installBrowserTransport } from './api/browser-transport.js';
import { deskApi } from './api/desk-api.js';
import './styles.css';

const connection = installBrowserTransport();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App api={deskApi()} connection={connection} />
  </StrictMode>,
);
