// Test page for MailBody alone (mail-body.test.ts builds it with the renderer's Vite config; it is
// never part of the desk's build): `window.showMail({ html, text })` shows one mail as the
// conversation would.
import { createRoot } from 'react-dom/client';
import { MailBody, type MailBodyProps } from '../MailBody.js';
import '../../styles.css';

const root = createRoot(document.getElementById('root')!);
let shown = 0;

declare global {
  interface Window {
    showMail(props: MailBodyProps): void;
  }
}

window.showMail = (props) => {
  shown++;
  root.render(
    <article className="mail-harness" style={{ maxWidth: 760, margin: 16, padding: 12, background: '#fff', border: '1px solid #c9d1db' }}>
      <h1 style={{ fontSize: '1rem', margin: '0 0 8px' }}>{props.label ?? 'Mail'}</h1>
      <MailBody key={shown} {...props} />
    </article>,
  );
};
