// Pressing Send on a text: the person's press is the approval. Outside the customer's texting hours
// the desk answers `sms-confirm-needed`; the person reads why and confirms in a dialog, and only
// then is the same text sent with `confirmOutsideHours`.
import { useState } from 'react';
import type { ArgsOf } from '../../src-shared/api/contract.js';
import { ApiError } from '../../src-shared/api/errors.js';
import type { RepairOrderDetail } from '../../src-shared/domain.js';
import { Dialog } from '../shared/Dialog.js';
import { useDesk } from '../shared/desk-context.js';
import { messageOf } from '../shared/format.js';

type SendArgs = Omit<ArgsOf<'sms-send'>, 'confirmOutsideHours'>;

export function useSendText(onSent: (ro: RepairOrderDetail) => void) {
  const { api, announce } = useDesk();
  const [asking, setAsking] = useState<{ args: SendArgs; message: string } | null>(null);
  const [sending, setSending] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  async function send(args: SendArgs, confirmOutsideHours = false): Promise<boolean> {
    setSending(true);
    try {
      const ro = await api.call('sms-send', { ...args, confirmOutsideHours });
      setProblem(null);
      setAsking(null);
      onSent(ro);
      announce('Text approved: it is on its way to the customer.');
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.code === 'sms-confirm-needed') setAsking({ args, message: err.message });
      else setProblem(`Not sent: ${messageOf(err)}`);
      return false;
    } finally {
      setSending(false);
    }
  }

  const confirmDialog = asking ? (
    <Dialog title="Send outside texting hours?" onClose={() => setAsking(null)}>
      <p>{asking.message}</p>
      <div className="actions">
        <button type="button" className="primary" data-autofocus disabled={sending} onClick={() => void send(asking.args, true)}>
          Send anyway
        </button>
        <button type="button" onClick={() => setAsking(null)}>
          Don’t send
        </button>
      </div>
    </Dialog>
  ) : null;

  return { send, sending, problem, setProblem, confirmDialog, confirming: asking !== null };
}
