// Where Microsoft sends a signed-in person back to, and Graph's change notifications (no SDK here).
export const OUTLOOK_CALLBACK_PATH = '/mail/outlook/callback';
export const OUTLOOK_NOTIFY_PATH = '/mail/outlook/notify';
